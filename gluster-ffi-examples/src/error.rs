//! Errors inside the library and the thread's last error, which C reads back (through
//! `last_error.rs`; this module depends on no other module of the boundary, so the
//! boundary, the strings and the error do not form a circle).

use std::cell::RefCell;

use gluster_placement::{PlacementError, Reason};

use crate::result::gp_result;

/// A failure on its way to the caller: the code returned and what the last error keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub(crate) code: gp_result,
    pub(crate) message: String,
    pub(crate) reasons: Vec<Reason>,
}

impl FfiError {
    pub(crate) fn new(code: gp_result, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    pub(crate) fn null(argument: &str) -> Self {
        FfiError::new(
            gp_result::NullArgument,
            format!("argument {argument} is NULL"),
        )
    }

    /// The message as C reads it: an infeasible placement gives a first line, then one
    /// reason per line.
    pub(crate) fn full_message(&self) -> String {
        let mut text = self.message.clone();
        for reason in &self.reasons {
            text.push('\n');
            text.push_str(&reason.to_string());
        }
        text
    }
}

impl From<PlacementError> for FfiError {
    fn from(e: PlacementError) -> Self {
        match e {
            PlacementError::InvalidRequest(_) => {
                FfiError::new(gp_result::InvalidRequest, e.to_string())
            }
            PlacementError::Infeasible(infeasible) => FfiError {
                code: gp_result::Infeasible,
                message: "no placement exists for this request".to_string(),
                reasons: infeasible.reasons,
            },
            PlacementError::Model(m) => FfiError::new(gp_result::ModelRefused, m.to_string()),
            PlacementError::InvalidPlan { .. } => {
                FfiError::new(gp_result::InvalidPlan, e.to_string())
            }
            other => FfiError::new(gp_result::Internal, other.to_string()),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<FfiError>> = const { RefCell::new(None) };
}

/// Records `error` as this thread's last error.
pub(crate) fn set_last_error(error: FfiError) {
    // `try_with` fails only while the thread is being torn down; the error is then lost,
    // which is better than a panic in a destructor.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(error));
}

/// Forgets this thread's last error.
pub(crate) fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
}

/// A copy of this thread's last error.
pub(crate) fn last_error() -> Option<FfiError> {
    LAST_ERROR
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
}
