//! A random workload of creates, deletes and expands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gluster_model::{ByteSize, Durability, VolumeId};
use gluster_placement::day2::ExpandBy;
use gluster_placement::VolumeRequest;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::StoreError;
use crate::provisioner::Provisioner;

/// What a workload did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Creates that made a volume.
    pub created: usize,
    /// Deletes done.
    pub deleted: usize,
    /// Expands done.
    pub expanded: usize,
    /// Operations that failed on the hosts or found no room.
    pub failed: usize,
}

/// `tasks` concurrent loops of `ops` random operations each (`ops == 0`: until `stop`);
/// request names start with `prefix`. `creates_only` makes every operation a create.
/// An unexpected error (not a host failure, no room, or a busy volume) panics.
pub async fn workload(
    p: &Provisioner,
    tasks: usize,
    ops: usize,
    prefix: &str,
    seed: u64,
    creates_only: bool,
    stop: Arc<AtomicBool>,
) -> Tally {
    let runs = (0..tasks).map(|t| {
        let (p, stop) = (p.clone(), stop.clone());
        let prefix = format!("{prefix}-t{t}");
        tokio::spawn(async move {
            one_task(
                &p,
                ops,
                &prefix,
                seed ^ (t as u64) << 32,
                creates_only,
                &stop,
            )
            .await
        })
    });
    let mut total = Tally::default();
    for r in futures_util::future::join_all(runs).await {
        let t = r.expect("a workload task panicked");
        total.created += t.created;
        total.deleted += t.deleted;
        total.expanded += t.expanded;
        total.failed += t.failed;
    }
    total
}

async fn one_task(
    p: &Provisioner,
    ops: usize,
    prefix: &str,
    seed: u64,
    creates_only: bool,
    stop: &AtomicBool,
) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut live: Vec<VolumeId> = Vec::new();
    let mut tally = Tally::default();
    let mut n = 0;
    while (ops == 0 || n < ops) && !stop.load(Ordering::Relaxed) {
        n += 1;
        let choice = if creates_only {
            0
        } else {
            rng.random_range(0..4)
        };
        if choice <= 1 || live.is_empty() {
            let request = VolumeRequest::new(
                ByteSize::gib(rng.random_range(1..20)),
                Durability::replicate(3).expect("replica 3"),
            );
            match p.create(&format!("{prefix}-r{n}"), &request).await {
                Ok(c) => {
                    tally.created += 1;
                    live.push(c.volume);
                }
                Err(StoreError::Hosts { .. } | StoreError::Placement(_)) => tally.failed += 1,
                Err(e) => panic!("create: {e}"),
            }
        } else {
            let volume = live[rng.random_range(0..live.len())];
            let result = if choice == 2 {
                let r = p.delete(volume).await;
                if r.is_ok() {
                    live.retain(|v| *v != volume);
                    tally.deleted += 1;
                }
                r
            } else {
                let r = p.expand(volume, ExpandBy::Sets(1)).await.map(drop);
                if r.is_ok() {
                    tally.expanded += 1;
                }
                r
            };
            match result {
                Ok(()) => {}
                Err(
                    StoreError::Hosts { .. } | StoreError::InProgress(_) | StoreError::Invalid(_),
                ) => tally.failed += 1,
                Err(StoreError::NotFound(_)) => live.retain(|v| *v != volume),
                Err(e) => panic!("delete or expand: {e}"),
            }
        }
    }
    tally
}
