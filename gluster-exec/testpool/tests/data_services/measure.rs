//! Brick processes and their resident memory per node, read from /proc in the root
//! namespace (a node is its network namespace), and bricks online per `volume status`.

use std::fs;
use std::os::unix::fs::MetadataExt;

use gluster_testpool::TestPool;

/// What one node runs for its bricks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeBricks {
    /// `glusterfsd` processes.
    pub processes: usize,
    /// Their resident memory, KiB.
    pub rss_kib: u64,
}

fn netns_inode(pid: u32) -> Option<u64> {
    fs::metadata(format!("/proc/{pid}/ns/net"))
        .ok()
        .map(|m| m.ino())
}

/// `glusterfsd` processes of every node, in node order.
pub fn brick_processes(pool: &TestPool) -> Vec<NodeBricks> {
    let pids: Vec<u32> = fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let fsd: Vec<(u32, Option<u64>)> = pids
        .into_iter()
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "glusterfsd")
        })
        .map(|pid| (pid, netns_inode(pid)))
        .collect();
    pool.nodes()
        .iter()
        .map(|n| {
            let ns = n.ns_pid().and_then(netns_inode);
            let mine: Vec<u32> = fsd
                .iter()
                .filter(|(_, i)| i.is_some() && *i == ns)
                .map(|(p, _)| *p)
                .collect();
            NodeBricks {
                processes: mine.len(),
                rss_kib: mine.iter().map(|p| rss_kib(*p)).sum(),
            }
        })
        .collect()
}

fn rss_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Bricks reported online (`<status>1</status>` with a `/` path) in a
/// `gluster --xml volume status all` answer.
pub fn bricks_online(xml: &str) -> usize {
    xml.split("<node>")
        .skip(1)
        .filter(|n| n.contains("<path>/") && n.contains("<status>1</status>"))
        .count()
}
