//! expand (in progress)
