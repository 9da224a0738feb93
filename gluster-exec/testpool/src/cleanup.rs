//! Teardown of one run, cleanup of runs that crashed, and the check that nothing is left.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cmd::{poll, run_any};
use super::disk::{detach_loop, loops_under};
use super::net::{links_with_prefix, netns_pids, netns_with_prefix, RunNet, NAME_PREFIX};
use super::STATE_ROOT;

/// What identifies one run's traces on the machine, for [`RunTrace::leftovers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTrace {
    /// Prefix of the run's bridge, veths and namespaces (`gtp<run>-`).
    pub prefix: String,
    /// The run's state directory (disk images, glusterd state, client mount points).
    pub dir: PathBuf,
    /// `198.18.<run>.`: every address of the run starts with it.
    pub subnet: String,
    /// Inodes of the run's network namespaces: a process still in one is a leftover.
    pub netns_inodes: Vec<u64>,
}

impl RunTrace {
    pub(crate) fn new(net: RunNet, dir: PathBuf) -> Self {
        RunTrace {
            prefix: net.prefix(),
            dir,
            subnet: format!("198.18.{}.", net.run),
            netns_inodes: Vec::new(),
        }
    }

    /// Record the inode of network namespace `ns`.
    pub(crate) fn remember_netns(&mut self, ns: &str) {
        if let Ok(meta) = fs::metadata(Path::new("/run/netns").join(ns)) {
            self.netns_inodes.push(meta.ino());
        }
    }

    /// Everything of this run still on the machine: processes, namespaces, links, mounts,
    /// loop devices, the state directory. Empty after a clean teardown.
    pub fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        for pid in self.processes() {
            let cmd = fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            left.push(format!("process {pid}: {}", cmd.replace('\0', " ").trim()));
        }
        for ns in netns_with_prefix(&self.prefix) {
            left.push(format!("network namespace {ns}"));
        }
        for link in links_with_prefix(&self.prefix) {
            left.push(format!("link {link}"));
        }
        for mount in self.mounts() {
            left.push(format!("mount {mount}"));
        }
        for (dev, file) in loops_under(&self.dir) {
            left.push(format!("loop device {dev} on {file}"));
        }
        if self.dir.exists() {
            left.push(format!("directory {}", self.dir.display()));
        }
        left
    }

    /// Processes in one of the run's network namespaces or naming its addresses or directory.
    fn processes(&self) -> Vec<u32> {
        let me = std::process::id();
        let dir = self.dir.display().to_string();
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| pid != me)
            .filter(|pid| {
                let in_ns = fs::metadata(format!("/proc/{pid}/ns/net"))
                    .is_ok_and(|m| self.netns_inodes.contains(&m.ino()));
                let cmd = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let cmd = String::from_utf8_lossy(&cmd);
                in_ns || cmd.contains(&self.subnet) || cmd.contains(&dir)
            })
            .collect()
    }

    /// Mount points of the root namespace that belong to the run.
    fn mounts(&self) -> Vec<String> {
        let dir = self.dir.display().to_string();
        fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(&dir) || l.contains(&self.subnet))
            .filter_map(|l| l.split_whitespace().nth(4).map(str::to_string))
            .collect()
    }

    /// Remove everything of the run that is left, best effort; returns what failed.
    pub fn clean(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for mount in self.mounts() {
            unmount(Path::new(&mount), &mut problems);
        }
        for ns in netns_with_prefix(&self.prefix) {
            for pid in netns_pids(&ns) {
                kill(pid);
            }
        }
        for pid in self.processes() {
            kill(pid);
        }
        if let Err(e) = poll(
            "the run's processes to die",
            Duration::from_secs(10),
            || self.processes().is_empty().then_some(()),
        ) {
            problems.push(e.to_string());
        }
        for ns in netns_with_prefix(&self.prefix) {
            step(&["ip", "netns", "del", &ns], &mut problems);
        }
        // Deleting a veth end deletes its peer; the bridge goes last.
        let mut links = links_with_prefix(&self.prefix);
        links.sort_by_key(|l| l.ends_with("br"));
        for link in links {
            let ran = run_any(&["ip", "link", "del", &link]);
            // A veth disappears with its namespace, sometimes while we list it.
            if !ran.is_ok_and(|r| r.status == 0) && links_with_prefix(&self.prefix).contains(&link)
            {
                problems.push(format!("cannot delete link {link}"));
            }
        }
        let loops_gone = poll("loop devices to detach", Duration::from_secs(10), || {
            let loops = loops_under(&self.dir);
            for (dev, _) in &loops {
                detach_loop(dev);
            }
            loops.is_empty().then_some(())
        });
        if let Err(e) = loops_gone {
            problems.push(e.to_string());
        }
        if self.dir.exists() {
            if let Err(e) = fs::remove_dir_all(&self.dir) {
                problems.push(format!("cannot remove {}: {e}", self.dir.display()));
            }
        }
        problems
    }
}

/// Unmount `dir` (lazily when busy); the FUSE client exits once it is released.
pub(crate) fn unmount(dir: &Path, problems: &mut Vec<String>) {
    let d = dir.display().to_string();
    let ok = run_any(&["umount", &d]).is_ok_and(|r| r.status == 0)
        || run_any(&["umount", "-l", &d]).is_ok_and(|r| r.status == 0);
    if !ok {
        problems.push(format!("cannot unmount {d}"));
    }
}

pub(crate) fn kill(pid: u32) {
    let _ = run_any(&["kill", "-KILL", &pid.to_string()]);
}

fn step(argv: &[&str], problems: &mut Vec<String>) {
    match run_any(argv) {
        Ok(r) if r.status == 0 => {}
        Ok(r) => problems.push(format!("`{}`: {}", argv.join(" "), r.stderr.trim())),
        Err(e) => problems.push(e.to_string()),
    }
}

/// Clean every run left by a test process that is gone (a crash, a `kill -9`, a power
/// loss); runs of live processes are left alone. Returns the runs cleaned and what failed.
///
/// A run counts as alive while the process named in its `owner` file (pid and start time)
/// runs. A run that another process is creating right now, between claiming its bridge and
/// writing `owner`, looks stale for those few milliseconds: start parallel runs from one
/// process, or accept that rare race.
pub fn clean_stale_runs() -> (Vec<String>, Vec<String>) {
    let mut runs: Vec<u8> = Vec::new();
    let names = netns_with_prefix(NAME_PREFIX)
        .into_iter()
        .chain(links_with_prefix(NAME_PREFIX));
    let dirs = fs::read_dir(STATE_ROOT)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for name in names.chain(dirs) {
        let digits: String = name[NAME_PREFIX.len().min(name.len())..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(run) = digits.parse::<u8>() {
            if !runs.contains(&run) {
                runs.push(run);
            }
        }
    }
    let (mut cleaned, mut problems) = (Vec::new(), Vec::new());
    for run in runs {
        let net = RunNet { run };
        let dir = Path::new(STATE_ROOT).join(net.prefix().trim_end_matches('-'));
        if owner_alive(&dir) {
            continue;
        }
        let mut trace = RunTrace::new(net, dir);
        for ns in netns_with_prefix(&trace.prefix) {
            trace.remember_netns(&ns);
        }
        problems.extend(trace.clean());
        cleaned.push(trace.prefix);
    }
    (cleaned, problems)
}

/// Whether the process that owns the run directory `dir` still runs.
fn owner_alive(dir: &Path) -> bool {
    let Ok(text) = fs::read_to_string(dir.join("owner")) else {
        return false;
    };
    let mut it = text.split_whitespace();
    let (Some(pid), Some(start)) = (it.next(), it.next()) else {
        return false;
    };
    process_start(pid).is_some_and(|s| s == start)
}

/// The start time (clock ticks after boot) of process `pid`, which tells a reused pid apart.
pub(crate) fn process_start(pid: &str) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19).map(str::to_string)
}
