//! `peer status` and `pool list` answers.

use serde::{Deserialize, Serialize};

use super::status::parse_success;
use super::XmlError;

/// One peer of the trusted pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// glusterd's UUID of the peer.
    pub uuid: String,
    /// The name the peer is known by (`localhost` for the answering node in `pool list`).
    pub hostname: String,
    /// Every name of the peer (may be empty).
    pub hostnames: Vec<String>,
    /// Whether glusterd is connected to it.
    pub connected: bool,
    /// `stateStr`, e.g. `Peer in Cluster` (absent for the local node).
    pub state: Option<String>,
}

/// Parse `peer status` or `pool list`.
pub fn parse_peer_status(xml: &str) -> Result<Vec<Peer>, XmlError> {
    let root = parse_success(xml)?;
    let status = root
        .child("peerStatus")
        .ok_or_else(|| XmlError::Malformed("no <peerStatus>".into()))?;
    status
        .children("peer")
        .map(|p| {
            let hostname = p
                .text_of("hostname")
                .filter(|h| !h.is_empty())
                .ok_or_else(|| XmlError::Malformed("peer without a hostname".into()))?;
            Ok(Peer {
                uuid: p.text_of("uuid").unwrap_or("").to_string(),
                hostname: hostname.to_string(),
                hostnames: p
                    .child("hostnames")
                    .map(|hs| {
                        hs.children("hostname")
                            .map(|h| h.text.trim().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                connected: p.text_of("connected") == Some("1"),
                state: p.text_of("stateStr").map(str::to_string),
            })
        })
        .collect()
}
