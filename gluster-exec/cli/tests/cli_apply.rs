//! `gluster-plan apply` and `recover` on the simulated transport: progress, exit status,
//! the journal, and recovery from a journal cut short by a crash.

use std::path::Path;
use std::process::{Command, Output};

use gluster_exec::journal::{parse_journal, Record, RunOutcome};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn records(path: &Path) -> Vec<Record> {
    parse_journal(&std::fs::read(path).unwrap()).unwrap()
}

fn apply(journal: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        "--size",
        "10GiB",
        "--name",
        "vol_cli",
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn apply_reports_progress_and_journals_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = apply(&journal, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("[  8/8] done     volume start vol_cli"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("vol_cli"));
    let records = records(&journal);
    let intents = records
        .iter()
        .filter(|r| matches!(r, Record::Intent { .. }))
        .count();
    let dones = records
        .iter()
        .filter(|r| matches!(r, Record::Done { .. }))
        .count();
    assert_eq!((intents, dones), (8, 8));
    assert!(matches!(
        records.last(),
        Some(Record::End {
            outcome: RunOutcome::Completed,
            ..
        })
    ));
}

#[test]
fn a_failed_apply_rolls_back_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = apply(&journal, &["--simulate-failure-at", "5"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("rolling back"), "{err}");
    assert!(err.contains("rolled back completely"), "{err}");
    assert!(matches!(
        records(&journal).last(),
        Some(Record::End {
            outcome: RunOutcome::RolledBack,
            ..
        })
    ));
}

/// A journal cut after the first step's intent, with a torn half line (as a crash would
/// leave it), is finished by `recover --finish` or rolled back by `recover`; a second
/// recovery has nothing to do. (Simulated hosts start empty in every process, so the cut
/// comes before any step is done.)
#[test]
fn recover_finishes_or_rolls_back_a_journal_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    assert_eq!(apply(&full, &[]).status.code(), Some(0));
    let text = std::fs::read_to_string(&full).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("\"record\":\"begin\""), "{}", lines[0]);
    assert!(lines[1].contains("\"record\":\"intent\""), "{}", lines[1]);
    let crashed = format!("{}\n{}\n{{\"record\":\"do", lines[0], lines[1]);

    for (flag, expected) in [(None, "rolled back"), (Some("--finish"), "completed")] {
        let journal = dir.path().join(format!("cut-{expected}"));
        std::fs::write(&journal, &crashed).unwrap();
        let mut args = vec!["recover", "--journal", journal.to_str().unwrap()];
        args.extend(flag);
        let out = run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout.contains(&format!("(volume vol_cli): {expected}")),
            "{stdout}"
        );
        let again = run(&args);
        assert!(
            stderr(&again).contains("nothing to recover"),
            "{}",
            stderr(&again)
        );
    }
}

#[test]
fn a_damaged_journal_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("bad");
    std::fs::write(&journal, "{\"record\":\"nope\"}\n").unwrap();
    let out = run(&["recover", "--journal", journal.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 1"), "{}", stderr(&out));
}

/// A journal of one run cut after its first intent, as a crash leaves it.
fn crashed_journal(dir: &Path) -> String {
    let full = dir.join("full");
    assert_eq!(apply(&full, &[]).status.code(), Some(0));
    let text = std::fs::read_to_string(&full).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    format!("{}\n{}\n", lines[0], lines[1])
}

/// Issue 15 item 1: a mistyped journal path is an error and is never created.
#[test]
fn recover_refuses_a_missing_journal_and_does_not_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("typo");
    let out = run(&["recover", "--journal", journal.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such journal"), "{}", stderr(&out));
    assert!(!journal.exists(), "recover created the journal");

    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let out = run(&["recover", "--journal", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("is empty"), "{}", stderr(&out));
}

/// Issue 15 item 2: a `--finish` that cannot finish exits 3 and says it rolled back.
#[test]
fn recover_finish_that_rolls_back_instead_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("cut");
    std::fs::write(&journal, crashed_journal(dir.path())).unwrap();
    let out = run(&[
        "recover",
        "--finish",
        "--simulate-failure-at",
        "2",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", stderr(&out));
    assert!(
        stdout.contains("could not finish: rolled back completely instead"),
        "{stdout}"
    );
}

/// Issue 15 item 6: the simulated transport says it rehearses, first and last, and the
/// journal records it.
#[test]
fn apply_on_simulated_hosts_says_it_is_a_rehearsal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = apply(&journal, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    for line in [lines[0], lines[lines.len() - 1]] {
        assert!(line.contains("rehearsal"), "{err}");
    }
    assert!(matches!(
        records(&journal).first(),
        Some(Record::Begin {
            rehearsal: true,
            ..
        })
    ));
}

/// Issue 15 item 16: errors count steps from 1, as progress does (the journal keeps the
/// 0-based index).
#[test]
fn errors_number_steps_as_progress_does() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = apply(&journal, &["--simulate-failure-at", "5"]);
    assert_eq!(out.status.code(), Some(3));
    let failed = records(&journal)
        .into_iter()
        .find_map(|r| match r {
            Record::Failed { step, .. } => Some(step),
            _ => None,
        })
        .expect("a failed step");
    let err = stderr(&out);
    assert!(err.contains(&format!("step {} (", failed + 1)), "{err}");
}

/// Issue 15 item 16: `--journal /dev/null` is bad input, not a "rolled back" run.
#[test]
fn a_journal_that_keeps_nothing_is_refused() {
    let out = apply(Path::new("/dev/null"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

/// Issue 15 item 16: a `recover` that fails does not send the user to `gluster-plan
/// recover` as if they had not just run it; an incomplete rollback says to run this
/// `recover` again.
#[test]
fn a_failed_recover_does_not_advise_running_recover() {
    let dir = tempfile::tempdir().unwrap();
    let cut = crashed_journal(dir.path());
    let cases: [(&[&str], i32); 2] = [
        (&["--simulate-failure-at", "1"], 4),
        (&["--finish", "--simulate-failure-at", "1"], 3),
    ];
    for (flags, code) in cases {
        let journal = dir.path().join(format!("cut-{code}"));
        std::fs::write(&journal, &cut).unwrap();
        let mut args = vec!["recover", "--journal", journal.to_str().unwrap()];
        args.extend_from_slice(flags);
        let out = run(&args);
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert_eq!(out.status.code(), Some(code), "{flags:?}: {said}");
        assert!(!said.contains("gluster-plan recover"), "{flags:?}: {said}");
        if code == 4 {
            assert!(said.contains("run this `recover` again"), "{said}");
        }
    }
}
