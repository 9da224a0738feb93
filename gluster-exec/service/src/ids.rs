//! Fresh ids for new nodes, devices, queue entries and placement seeds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use gluster_model::stable_hash128;

/// Hands out 128-bit values that do not repeat within a process and, seeded by the start
/// time and process id, are not expected to repeat across restarts.
#[derive(Debug)]
pub struct IdSource {
    base: String,
    next: AtomicU64,
}

impl Default for IdSource {
    fn default() -> Self {
        Self::new()
    }
}

impl IdSource {
    /// A source seeded by the clock and the process id.
    pub fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        IdSource {
            base: format!("{nanos}-{}", std::process::id()),
            next: AtomicU64::new(0),
        }
    }

    /// The next value (never zero).
    pub fn next(&self) -> u128 {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        stable_hash128(&[&self.base, &n.to_string()]).max(1)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_do_not_repeat() {
        let ids = super::IdSource::new();
        let set: std::collections::HashSet<u128> = (0..10_000).map(|_| ids.next()).collect();
        assert_eq!(set.len(), 10_000);
    }
}
