//! rebalance (in progress)
