//! Blocking helpers that run the harness's own setup and teardown commands.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::PoolError;

/// What a finished command reported.
pub(crate) struct Ran {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `argv` and collect its output; `Err` only when it could not start.
pub(crate) fn run_any(argv: &[&str]) -> Result<Ran, PoolError> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| PoolError::Io("empty command".into()))?;
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| PoolError::Io(format!("cannot run {program}: {e}")))?;
    Ok(Ran {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Run `argv`; a non-zero exit is an error carrying its stderr. Returns stdout.
pub(crate) fn run(argv: &[&str]) -> Result<String, PoolError> {
    let ran = run_any(argv)?;
    if ran.status == 0 {
        Ok(ran.stdout)
    } else {
        Err(PoolError::Command {
            command: argv.join(" "),
            status: ran.status,
            stderr: ran.stderr.trim().to_string(),
        })
    }
}

/// Poll `check` every 100 ms until it returns `Some` or `limit` passes.
pub(crate) fn poll<T>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, PoolError> {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        if start.elapsed() > limit {
            return Err(PoolError::Timeout(format!(
                "{what} (after {} s)",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
