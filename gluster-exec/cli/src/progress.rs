//! Progress for long work: a counted bar (`simulating: 1204/5000 volumes (24%)`) with the
//! elapsed time on stderr when stderr is a terminal, nothing otherwise (scripts and pipes
//! read clean output).
//!
//! The planners report `done` of `total` through a callback ([`gluster_placement::Progress`]);
//! [`progress_line`] says it in words and [`counted`] puts it on an indicatif bar.

use std::io::IsTerminal;
use std::time::Duration;

use gluster_placement::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// The text of a progress report: `what: done/total unit (percent)`.
pub(crate) fn progress_line(done: u64, total: u64, what: &str, unit: &str) -> String {
    let percent = (u128::from(done) * 100)
        .checked_div(u128::from(total))
        .unwrap_or(100);
    format!("{what}: {done}/{total} {unit} ({percent}%)")
}

/// Run `work`, giving it a progress callback that draws a counted bar on a terminal's
/// stderr (and does nothing when stderr is not a terminal).
pub(crate) fn counted<T>(
    what: &'static str,
    unit: &'static str,
    work: impl FnOnce(&mut (dyn FnMut(Progress) + Send)) -> T,
) -> T {
    let mut bar = Bar::start(what, unit);
    work(&mut |p| bar.report(p))
}

/// A counted bar on a terminal's stderr, cleared when dropped; nothing when stderr is not a
/// terminal.
pub(crate) struct Bar {
    bar: Option<ProgressBar>,
    shown: Shown,
    what: &'static str,
    unit: &'static str,
}

impl Bar {
    /// A bar for `what` counted in `unit`s, empty until the first report.
    pub(crate) fn start(what: &'static str, unit: &'static str) -> Bar {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(1);
            if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] ({elapsed})") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("{what} ..."));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Bar {
            bar,
            shown: Shown::default(),
            what,
            unit,
        }
    }

    /// Shows `p` (redrawing only when it changed by a tenth of a percent or more).
    pub(crate) fn report(&mut self, p: Progress) {
        let Some(bar) = &self.bar else { return };
        if self.shown.changes(p) {
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(progress_line(p.done, p.total, self.what, self.unit));
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What the bar shows, to redraw only when a tenth of a percent or the total changed
/// (a simulation reports millions of volumes).
#[derive(Default)]
struct Shown {
    last: Option<(u64, u128)>,
}

impl Shown {
    fn changes(&mut self, p: Progress) -> bool {
        let permille = (u128::from(p.done) * 1000)
            .checked_div(u128::from(p.total))
            .unwrap_or(1000);
        let now = (p.total, permille);
        let changed = self.last != Some(now);
        self.last = Some(now);
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_position_count_and_percent() {
        assert_eq!(
            progress_line(1204, 5000, "simulating", "volumes"),
            "simulating: 1204/5000 volumes (24%)"
        );
        assert_eq!(
            progress_line(3, 3, "planning the evacuation", "stages"),
            "planning the evacuation: 3/3 stages (100%)"
        );
        // Nothing to do is done; huge counts do not overflow.
        assert_eq!(progress_line(0, 0, "x", "moves"), "x: 0/0 moves (100%)");
        assert_eq!(
            progress_line(u64::MAX / 2, u64::MAX, "x", "volumes"),
            format!("x: {}/{} volumes (49%)", u64::MAX / 2, u64::MAX)
        );
    }

    #[test]
    fn the_bar_redraws_only_when_a_tenth_of_a_percent_or_the_total_changes() {
        let mut shown = Shown::default();
        assert!(shown.changes(Progress::new(0, 10_000)));
        assert!(!shown.changes(Progress::new(9, 10_000)));
        assert!(shown.changes(Progress::new(10, 10_000)));
        assert!(shown.changes(Progress::new(10, 20_000)));
        assert!(shown.changes(Progress::new(20_000, 20_000)));
        assert!(!shown.changes(Progress::new(20_000, 20_000)));
    }
}
