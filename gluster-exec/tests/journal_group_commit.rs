//! `FileJournal` under concurrent appends: every record lands once, whole, on its own
//! line; appends share syncs (never more syncs than appends); appends from tasks on a
//! multi-threaded or a current-thread tokio runtime both work.

use std::collections::BTreeSet;
use std::sync::Arc;

use gluster_exec::journal::{FileJournal, Journal, Record};

fn begin(run: String) -> Record {
    Record::Begin {
        run,
        volume: "v".into(),
        steps: Vec::new(),
        rehearsal: false,
    }
}

fn runs(journal: &FileJournal) -> Vec<String> {
    journal
        .records()
        .unwrap()
        .into_iter()
        .map(|r| match r {
            Record::Begin { run, .. } => run,
            other => panic!("unexpected record {other:?}"),
        })
        .collect()
}

#[test]
fn concurrent_appends_from_threads_all_land_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(FileJournal::open(dir.path().join("j.log")).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let journal = journal.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    journal.append(&begin(format!("t{t}-{i}"))).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = runs(&journal);
    assert_eq!(got.len(), 400);
    let unique: BTreeSet<_> = got.iter().collect();
    assert_eq!(unique.len(), 400, "each record once");
    // Each thread's records are in its own order.
    for t in 0..8 {
        let mine: Vec<_> = got
            .iter()
            .filter(|r| r.starts_with(&format!("t{t}-")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..50).map(|i| format!("t{t}-{i}")).collect();
        assert_eq!(mine, expected);
    }
    assert!((1..=400).contains(&journal.syncs()), "{}", journal.syncs());
    // A reopened journal reads the same.
    drop(journal);
    let again = FileJournal::open(dir.path().join("j.log")).unwrap();
    assert_eq!(runs(&again).len(), 400);
}

fn from_tasks(rt: tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(FileJournal::open(dir.path().join("j.log")).unwrap());
    rt.block_on(async {
        let tasks: Vec<_> = (0..16)
            .map(|t| {
                let journal = journal.clone();
                tokio::spawn(async move {
                    for i in 0..20 {
                        journal.append(&begin(format!("k{t}-{i}"))).unwrap();
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let got: BTreeSet<_> = runs(&journal).into_iter().collect();
    assert_eq!(got.len(), 320);
}

#[test]
fn appends_from_tasks_on_a_multi_threaded_runtime() {
    from_tasks(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
}

#[test]
fn appends_from_tasks_on_a_current_thread_runtime() {
    from_tasks(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    );
}
