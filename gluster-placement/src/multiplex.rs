//! A per-node brick budget. Without brick multiplexing every brick is its own `glusterfsd`
//! process with its own port and memory; with `cluster.brick-multiplex on`, up to
//! `cluster.max-bricks-per-process` bricks share one process. The budget caps the processes
//! (hence ports and memory) a node runs, and tells placement which nodes can take more
//! bricks.
//!
//! ```
//! use gluster_placement::multiplex::BrickBudget;
//!
//! let off = BrickBudget { multiplex: false, max_bricks_per_process: 250, max_processes: 64 };
//! assert_eq!(off.processes(15), 15);
//! assert!(off.check("node1", 64, 1).is_err()); // a 65th brick needs a 65th process
//! let on = BrickBudget { multiplex: true, ..off };
//! assert_eq!(on.processes(15), 1);
//! assert!(on.check("node1", 64, 1).is_ok());
//! ```

use serde::{Deserialize, Serialize};

/// How many bricks a node may serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrickBudget {
    /// Whether `cluster.brick-multiplex` is on.
    pub multiplex: bool,
    /// `cluster.max-bricks-per-process` (glusterd's default 250; 0 is read as 1).
    pub max_bricks_per_process: u32,
    /// Most brick processes a node may run (ports, memory).
    pub max_processes: u32,
}

impl Default for BrickBudget {
    /// No multiplexing, 250 bricks per process when on, 128 processes per node.
    fn default() -> Self {
        BrickBudget {
            multiplex: false,
            max_bricks_per_process: 250,
            max_processes: 128,
        }
    }
}

/// A node that cannot take more bricks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "node {node} would run {processes} brick processes for {bricks} bricks, more than its \
     budget of {max_processes}{hint}"
)]
pub struct BudgetExceeded {
    /// The node.
    pub node: String,
    /// Bricks it would serve.
    pub bricks: u64,
    /// Processes that needs.
    pub processes: u64,
    /// The budget.
    pub max_processes: u32,
    /// What would help.
    pub hint: String,
}

impl BrickBudget {
    /// Brick processes a node serving `bricks` bricks runs.
    pub fn processes(&self, bricks: u64) -> u64 {
        if self.multiplex {
            bricks.div_ceil(u64::from(self.max_bricks_per_process.max(1)))
        } else {
            bricks
        }
    }

    /// The most bricks a node may serve.
    pub fn max_bricks(&self) -> u64 {
        let per = if self.multiplex {
            u64::from(self.max_bricks_per_process.max(1))
        } else {
            1
        };
        u64::from(self.max_processes) * per
    }

    /// Whether `node`, serving `bricks` now, may take `adding` more.
    pub fn check(&self, node: &str, bricks: u64, adding: u64) -> Result<(), BudgetExceeded> {
        let total = bricks.saturating_add(adding);
        let processes = self.processes(total);
        if processes <= u64::from(self.max_processes) {
            return Ok(());
        }
        Err(BudgetExceeded {
            node: node.to_string(),
            bricks: total,
            processes,
            max_processes: self.max_processes,
            hint: if self.multiplex {
                String::new()
            } else {
                " (turn cluster.brick-multiplex on to share processes)".into()
            },
        })
    }
}

/// Check every node of a plan: `(node, bricks it serves now, bricks the plan adds)`.
pub fn check_nodes<'a>(
    budget: &BrickBudget,
    nodes: impl IntoIterator<Item = (&'a str, u64, u64)>,
) -> Result<(), Vec<BudgetExceeded>> {
    let over: Vec<BudgetExceeded> = nodes
        .into_iter()
        .filter_map(|(n, now, add)| budget.check(n, now, add).err())
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(over)
    }
}
