//! The file journal: durable lines, torn last lines ignored, damage reported by line.

use std::io::Write;

use gluster_exec::journal::{parse_journal, Record, RunHistory, RunOutcome};
use gluster_exec::{FileJournal, Journal};

fn intent(step: usize) -> Record {
    Record::Intent {
        run: "r1".into(),
        step,
        undo: true,
    }
}

#[test]
fn records_survive_reopening_and_a_torn_last_line_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    {
        let journal = FileJournal::open(&path).unwrap();
        journal
            .append(&Record::Begin {
                run: "r1".into(),
                volume: "v".into(),
                steps: vec![],
            })
            .unwrap();
        journal.append(&intent(0)).unwrap();
    }
    // A crash in the middle of writing the next line.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(br#"{"record":"done","run":"r1","st"#)
        .unwrap();
    let records = FileJournal::open(&path).unwrap().records().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1], intent(0));
    let runs = RunHistory::from_records(&records);
    assert!(runs[0].is_unfinished());
    assert!(runs[0].done.is_empty());
}

#[test]
fn a_damaged_line_in_the_middle_is_an_error_naming_it() {
    let text = b"{\"record\":\"end\",\"run\":\"a\",\"outcome\":\"completed\"}\nnot json\n{\"record\":\"end\",\"run\":\"b\",\"outcome\":\"completed\"}\n";
    let err = parse_journal(text).unwrap_err();
    assert!(err.starts_with("line 2:"), "{err}");
}

#[test]
fn history_tracks_outcomes() {
    let records = vec![
        Record::Begin {
            run: "a".into(),
            volume: "va".into(),
            steps: vec![],
        },
        Record::End {
            run: "a".into(),
            outcome: RunOutcome::Completed,
        },
        Record::Begin {
            run: "b".into(),
            volume: "vb".into(),
            steps: vec![],
        },
        Record::End {
            run: "b".into(),
            outcome: RunOutcome::RollbackFailed,
        },
        Record::Done {
            run: "orphan".into(),
            step: 3,
        },
    ];
    let runs = RunHistory::from_records(&records);
    let unfinished: Vec<&str> = runs
        .iter()
        .filter(|r| r.is_unfinished())
        .map(|r| r.run.as_str())
        .collect();
    assert_eq!(unfinished, ["b"]);
    assert_eq!(runs.len(), 2);
}
