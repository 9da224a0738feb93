//! forecast (in progress)
