//! Per-host concurrency limits, shared by every run that uses them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `per_host` steps at a time on any one host, across every run sharing this value
/// (clones share the limits). Steps on different hosts run in parallel.
#[derive(Debug, Clone)]
pub struct HostLimits {
    per_host: usize,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Default for HostLimits {
    /// Four steps at a time per host.
    fn default() -> Self {
        Self::new(4)
    }
}

impl HostLimits {
    /// At most `per_host` (at least 1) concurrent steps per host.
    pub fn new(per_host: usize) -> Self {
        HostLimits {
            per_host: per_host.max(1),
            hosts: Arc::default(),
        }
    }

    /// The limit per host.
    pub fn per_host(&self) -> usize {
        self.per_host
    }

    /// Wait for a slot on `host`; the slot is free again when the permit drops.
    pub async fn acquire(&self, host: &str) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        semaphore
            .acquire_owned()
            .await
            .expect("host semaphores are never closed")
    }
}
