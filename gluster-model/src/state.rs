//! Node and device states with Heketi's allowed transitions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a node or a device. Only `Online` ones take new bricks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityState {
    /// In service.
    #[default]
    Online,
    /// Temporarily out of service: keeps its bricks, takes no new ones.
    Offline,
    /// Removed from service: its bricks must be moved elsewhere.
    Failed,
}

/// A state change that Heketi does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move from {from} to {to}{}", hint(*.from, *.to))]
pub struct StateTransitionError {
    /// Current state.
    pub from: EntityState,
    /// Requested state.
    pub to: EntityState,
}

fn hint(from: EntityState, to: EntityState) -> &'static str {
    match (from, to) {
        (EntityState::Online, EntityState::Failed) => " (set it offline first)",
        (EntityState::Failed, EntityState::Online) => " (set it offline first)",
        _ => "",
    }
}

impl EntityState {
    /// Checks a transition: online <-> offline, offline -> failed, failed -> offline; staying
    /// in the same state is allowed.
    pub fn transition(self, to: EntityState) -> Result<EntityState, StateTransitionError> {
        use EntityState::*;
        match (self, to) {
            (a, b) if a == b => Ok(to),
            (Online, Offline) | (Offline, Online) | (Offline, Failed) | (Failed, Offline) => Ok(to),
            _ => Err(StateTransitionError { from: self, to }),
        }
    }

    /// Whether new bricks may be placed.
    pub fn is_online(self) -> bool {
        self == EntityState::Online
    }
}

impl fmt::Display for EntityState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntityState::Online => "online",
            EntityState::Offline => "offline",
            EntityState::Failed => "failed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::EntityState::*;

    #[test]
    fn allowed_transitions() {
        let all = [Online, Offline, Failed];
        let allowed = [
            (Online, Online),
            (Offline, Offline),
            (Failed, Failed),
            (Online, Offline),
            (Offline, Online),
            (Offline, Failed),
            (Failed, Offline),
        ];
        for from in all {
            for to in all {
                let ok = from.transition(to).is_ok();
                assert_eq!(ok, allowed.contains(&(from, to)), "{from} -> {to}");
            }
        }
        let err = Online.transition(Failed).unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot move from online to failed (set it offline first)"
        );
    }
}
