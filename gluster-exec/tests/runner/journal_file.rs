//! The file journal: durable lines, torn last lines ignored, damage reported by line.

use std::io::Write;

use gluster_exec::journal::JournalError;
use gluster_exec::journal::{parse_journal, Record, RunHistory, RunOutcome};
use gluster_exec::ops::VolumeRef;
use gluster_exec::runner::{Step, StepOp};
use gluster_exec::{FileJournal, Journal};

fn intent(step: usize) -> Record {
    Record::Intent {
        run: "r1".into(),
        step,
        undo: true,
    }
}

fn start_step() -> Step {
    Step {
        index: 0,
        op: StepOp::VolumeStart(VolumeRef {
            host: "node1".into(),
            name: "v".into(),
        }),
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
                steps: vec![start_step()],
                rehearsal: false,
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
    let text = b"{\"record\":\"begin\",\"run\":\"a\",\"volume\":\"v\",\"steps\":[]}\nnot json\n{\"record\":\"end\",\"run\":\"a\",\"outcome\":\"completed\"}\n";
    let err = parse_journal(text).unwrap_err();
    assert!(err.to_string().starts_with("line 2:"), "{err}");
}

const BEGIN: &str = r#"{"record":"begin","run":"r1","volume":"v","steps":[{"index":0,"op":{"kind":"volume_start","host":"node1","name":"v"}}]}"#;
const INTENT: &str = r#"{"record":"intent","run":"r1","step":0,"undo":true}"#;
const DONE: &str = r#"{"record":"done","run":"r1","step":0}"#;
const END: &str = r#"{"record":"end","run":"r1","outcome":"completed"}"#;

fn refused_at(lines: &[&str]) -> (usize, String) {
    let text = format!("{}\n", lines.join("\n"));
    match parse_journal(text.as_bytes()) {
        Err(JournalError::Invalid { line, reason, .. }) => (line, reason),
        other => panic!("expected a refusal of {lines:?}, got {other:?}"),
    }
}

/// Issue 15 item 10: the reader checks the order of records, not only their syntax.
#[test]
fn records_out_of_the_runners_order_are_refused_with_their_line() {
    // The order the runner writes is accepted.
    assert_eq!(
        parse_journal(format!("{BEGIN}\n{INTENT}\n{DONE}\n{END}\n").as_bytes())
            .unwrap()
            .len(),
        4
    );
    let (line, why) = refused_at(&[BEGIN, DONE]);
    assert_eq!(line, 2, "{why}");
    assert!(why.contains("never began"), "{why}");
    let (line, why) = refused_at(&[DONE]);
    assert_eq!(line, 1, "{why}");
    assert!(why.contains("run r1, which never began"), "{why}");
    let (line, why) = refused_at(&[END]);
    assert_eq!(line, 1, "{why}");
    let (line, why) = refused_at(&[BEGIN, INTENT, BEGIN]);
    assert_eq!(line, 3, "{why}");
    assert!(why.contains("second `begin`"), "{why}");
    let (line, why) = refused_at(&[BEGIN, INTENT, DONE, END, DONE]);
    assert_eq!(line, 5, "{why}");
    assert!(why.contains("had ended"), "{why}");
    let (line, why) = refused_at(&[
        BEGIN,
        r#"{"record":"intent","run":"r1","step":7,"undo":true}"#,
    ]);
    assert_eq!(line, 2, "{why}");
    // A run may begin again once it has ended.
    assert!(parse_journal(format!("{BEGIN}\n{END}\n{BEGIN}\n").as_bytes()).is_ok());
}

#[test]
fn a_file_journal_error_names_the_file_and_keeps_the_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let err = FileJournal::open_existing(&missing).unwrap_err();
    assert!(
        matches!(&err, gluster_exec::ExecError::Journal(JournalError::NotFound { path }) if *path == missing),
        "{err:?}"
    );
    assert!(!missing.exists(), "open_existing created the file");
    let bad = dir.path().join("bad");
    std::fs::write(&bad, format!("{DONE}\n")).unwrap();
    let err = FileJournal::open(&bad).unwrap().records().unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("{}: line 1", bad.display())),
        "{err}"
    );
    let unwritable = FileJournal::open(dir.path().join("no/such/dir/j")).unwrap_err();
    let source = std::error::Error::source(&unwritable).expect("a source");
    assert!(
        std::error::Error::source(source).is_some(),
        "io::Error dropped: {unwritable:?}"
    );
    // Issue 15 item 16: /dev/null or a directory would lose every record.
    for not_a_file in [std::path::Path::new("/dev/null"), dir.path()] {
        let err = FileJournal::open(not_a_file).unwrap_err();
        assert!(
            matches!(
                err,
                gluster_exec::ExecError::Journal(JournalError::NotAFile { .. })
            ),
            "{err:?}"
        );
    }
}

#[test]
fn history_tracks_outcomes() {
    let records = vec![
        Record::Begin {
            run: "a".into(),
            volume: "va".into(),
            steps: vec![],
            rehearsal: false,
        },
        Record::End {
            run: "a".into(),
            outcome: RunOutcome::Completed,
        },
        Record::Begin {
            run: "b".into(),
            volume: "vb".into(),
            steps: vec![],
            rehearsal: false,
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
