//! One error an embedding service can `?` into: every error of the family's happy path
//! (load a topology, change the model, plan, carry the plan out).

use thiserror::Error;

use gluster_model::{ImportError, ModelError};
use gluster_placement::PlacementError;

use crate::error::ExecError;
use crate::runner::ApplyError;

/// Any error of the gluster crate family, with the original kept as its source.
///
/// ```
/// fn provision(topology: &str) -> Result<(), gluster_exec::Error> {
///     let options = gluster_exec::model::HeketiLoadOptions::default();
///     let _model = gluster_exec::model::import_any(topology, &options)?; // ImportError
///     Ok(())
/// }
/// assert!(matches!(provision("{"), Err(gluster_exec::Error::Import(_))));
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A topology or state document could not be read.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A change of the model was refused (it changed nothing).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// No placement exists, or the request is invalid (with the structured reasons).
    #[error(transparent)]
    Placement(#[from] PlacementError),
    /// An executor operation failed.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// A plan was not carried out (rolled back, or its rollback is incomplete).
    #[error(transparent)]
    Apply(#[from] ApplyError),
}
