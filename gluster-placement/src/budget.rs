//! The per-node brick budget in placement ([`PlacementSettings::brick_budget`]): the
//! bricks each node serves, kept beside the index, and the nodes a plan may still put
//! bricks on. A node at its budget takes no brick; a refusal names the budget and the
//! nodes.
//!
//! [`PlacementSettings::brick_budget`]: crate::PlacementSettings::brick_budget

use gluster_model::{Model, NodeId};

use crate::error::Reason;
use crate::index::{ClusterIx, Index, NodeIx};
use crate::multiplex::BrickBudget;

/// Bricks served per node of the index (by dense node index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NodeBricks {
    counts: Vec<u64>,
}

impl NodeBricks {
    /// Counts the bricks of `model` per node of `index`.
    pub(crate) fn build(index: &Index, model: &Model) -> NodeBricks {
        let mut counts = vec![0; index.nodes.len()];
        for b in model.bricks() {
            if let Some(nx) = index.node_by_id.get(&b.node) {
                counts[nx.ix()] += 1;
            }
        }
        NodeBricks { counts }
    }

    /// Bricks `nx` serves.
    pub(crate) fn get(&self, nx: NodeIx) -> u64 {
        self.counts.get(nx.ix()).copied().unwrap_or(0)
    }

    /// One more brick on `node` (an unknown node is ignored: the model refused it first).
    pub(crate) fn add(&mut self, index: &Index, node: NodeId) {
        if let Some(nx) = index.node_by_id.get(&node) {
            if self.counts.len() <= nx.ix() {
                self.counts.resize(nx.ix() + 1, 0);
            }
            self.counts[nx.ix()] += 1;
        }
    }

    /// One brick fewer on `node`.
    pub(crate) fn remove(&mut self, index: &Index, node: NodeId) {
        if let Some(nx) = index.node_by_id.get(&node) {
            if let Some(c) = self.counts.get_mut(nx.ix()) {
                *c = c.saturating_sub(1);
            }
        }
    }

    /// The nodes with bricks and their counts, by node id (dense indices differ between
    /// an index kept up to date and a fresh one).
    pub(crate) fn by_id(&self, index: &Index) -> Vec<(NodeId, u64)> {
        let mut counts: Vec<(NodeId, u64)> = index
            .nodes
            .iter()
            .enumerate()
            .map(|(n, rec)| (rec.id, self.get(NodeIx(n as u32))))
            .filter(|&(_, c)| c > 0)
            .collect();
        counts.sort_unstable();
        counts
    }

    /// Per node of the index, the bricks it may still take under `budget`.
    pub(crate) fn room(&self, index: &Index, budget: &BrickBudget) -> Vec<u64> {
        let max = budget.max_bricks();
        (0..index.nodes.len())
            .map(|n| max.saturating_sub(self.get(NodeIx(n as u32))))
            .collect()
    }
}

/// The refusal when nodes of `cluster` are at their budget (`room` as from
/// [`NodeBricks::room`]), naming them in name order; `None` when no online node is.
pub(crate) fn reason(
    index: &Index,
    cluster: ClusterIx,
    budget: &BrickBudget,
    room: &[u64],
) -> Option<Reason> {
    let mut nodes: Vec<String> = index.clusters[cluster.ix()]
        .nodes
        .iter()
        .filter(|nx| {
            let rec = &index.nodes[nx.ix()];
            rec.online && room.get(nx.ix()).copied().unwrap_or(0) == 0
        })
        .map(|nx| index.nodes[nx.ix()].manage.to_string())
        .collect();
    nodes.sort();
    (!nodes.is_empty()).then(|| Reason::BrickBudget {
        max_bricks: budget.max_bricks(),
        multiplex: budget.multiplex,
        nodes,
    })
}

/// Refuses a plan that would put a node over the brick budget (`None`: no budget), naming
/// the nodes; what a commit checks of any plan, whoever made it.
pub(crate) fn check_plan(
    index: &Index,
    counts: &NodeBricks,
    budget: Option<&BrickBudget>,
    plan: &crate::Plan,
) -> Result<(), crate::PlacementError> {
    let Some(budget) = budget else {
        return Ok(());
    };
    let mut adding: Vec<(NodeIx, u64)> = Vec::new();
    for b in &plan.bricks {
        let Some(&nx) = index.node_by_id.get(&b.node_id) else {
            continue;
        };
        match adding.iter_mut().find(|(n, _)| *n == nx) {
            Some((_, c)) => *c += 1,
            None => adding.push((nx, 1)),
        }
    }
    let over: Vec<String> = adding
        .iter()
        .filter_map(|&(nx, add)| {
            let node = index.nodes[nx.ix()].manage.to_string();
            budget.check(&node, counts.get(nx), add).err()
        })
        .map(|e| e.to_string())
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    Err(crate::PlacementError::InvalidPlan {
        field: "bricks".into(),
        problem: over.join("; "),
    })
}
