//! Host addresses of the nodes of a document: no two nodes may share one.

use std::collections::HashMap;

use super::ImportError;

/// The manage and storage addresses seen so far (lower case), each with the node that has
/// it (its position and manage hostname). A node's storage address may be its own manage
/// hostname.
#[derive(Default)]
pub(super) struct HostAddresses {
    seen: HashMap<String, (usize, String)>,
    nodes: usize,
}

impl HostAddresses {
    /// Record the addresses of node `manage`; refuse one another node has, at `at` (the
    /// JSON path of the node's hostnames) and the field of the format (`fields`: manage,
    /// storage), naming both nodes.
    pub(super) fn add(
        &mut self,
        manage: &str,
        storage: &str,
        fields: [&str; 2],
        at: impl Fn() -> String,
    ) -> Result<(), ImportError> {
        let me = self.nodes;
        self.nodes += 1;
        for (field, address) in [(fields[0], manage), (fields[1], storage)] {
            let key = address.to_ascii_lowercase();
            match self.seen.get(&key) {
                Some((owner, _)) if *owner == me => {}
                Some((_, owner)) => {
                    let what = if address == manage && owner.eq_ignore_ascii_case(manage) {
                        format!("node {manage:?} appears twice")
                    } else {
                        format!(
                            "nodes {owner:?} and {manage:?} share the address {address:?}: \
                             two bricks of one set could land on one machine"
                        )
                    };
                    return Err(ImportError::invalid(format!("{}.{field}", at()), what));
                }
                None => {
                    self.seen.insert(key, (me, manage.to_string()));
                }
            }
        }
        Ok(())
    }
}
