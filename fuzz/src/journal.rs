//! gluster-exec's journal reader and the recovery that acts on what it reads.

use std::sync::Arc;

use gluster_exec::journal::{parse_journal, RunHistory};
use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{HostLimits, Journal, MemoryJournal, RecoveryPolicy, Runner};

/// Parse a journal file's bytes; when they parse, rebuild every run's history and recover
/// (both policies) against a simulated executor with no hosts. Nothing may panic, and a
/// second recovery must find nothing left to do except runs whose rollback failed.
pub fn journal_recover(data: &[u8]) {
    let Ok(records) = parse_journal(data) else {
        return;
    };
    let histories = RunHistory::from_records(&records);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    for policy in [RecoveryPolicy::RollBack, RecoveryPolicy::Finish] {
        let journal = Arc::new(MemoryJournal::new());
        for r in &records {
            journal.append(r).expect("memory journal");
        }
        let runner = Runner::new(
            Arc::new(SimulatedExecutor::default()),
            journal,
            HostLimits::new(2),
        );
        let recovered = runtime
            .block_on(runner.recover(policy))
            .expect("a memory journal reads");
        let unfinished = histories.iter().filter(|h| h.is_unfinished()).count();
        assert!(recovered.len() <= unfinished, "{recovered:?}");
    }
}
