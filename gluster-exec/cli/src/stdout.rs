//! Standard output that a closed pipe (`gluster-plan simulate | head -1`) does not crash:
//! once a write fails with a broken pipe, later output is dropped and the command still
//! ends with its own exit status.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Write to stdout; a closed pipe stops output, any other error is reported on stderr once.
pub(crate) fn write(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("gluster-plan: cannot write the output: {e}");
        }
    }
}
