//! One error an embedding service can `?` into: every error of the family's happy path
//! (load a topology, change the model, plan, carry the plan out).

use thiserror::Error;

use gluster_model::{ImportError, ModelError};
use gluster_placement::day2::{EvacuationError, ExpandError};
use gluster_placement::{InvalidField, PlacementError};

use crate::error::ExecError;
use crate::journal::JournalError;
use crate::runner::ApplyError;

/// Any error of the gluster crate family, with the original (boxed) kept as its source.
///
/// ```
/// fn provision(topology: &str) -> Result<(), gluster_exec::Error> {
///     let options = gluster_exec::model::HeketiLoadOptions::default();
///     let _model = gluster_exec::model::import_any(topology, &options)?; // ImportError
///     Ok(())
/// }
/// assert!(matches!(provision("{"), Err(gluster_exec::Error::Import(_))));
/// ```
///
/// The whole happy path of an embedder, from one crate, with one error type (the
/// simulated hosts stand in for a `CommandExecutor` over a transport):
///
/// ```
/// use std::sync::Arc;
/// use gluster_exec::model::{import_any, ByteSize, Durability, HeketiLoadOptions, ZoneChecking};
/// use gluster_exec::placement::{Engine, PlacementSettings, VolumeRequest};
/// use gluster_exec::simulated::SimulatedExecutor;
/// use gluster_exec::{Cancel, Error, HostLimits, MemoryJournal, Runner};
///
/// async fn provision(topology: &str) -> Result<String, Error> {
///     let options = HeketiLoadOptions { default_device_size: Some(ByteSize::tib(1)), ..Default::default() };
///     let mut engine = Engine::new(import_any(topology, &options)?, PlacementSettings::default());
///     let request = VolumeRequest::new(ByteSize::gib(100), Durability::REPLICA_3)
///         .with_name("pvc-1")
///         .with_zone_checking(ZoneChecking::Strict);
///     let plan = engine.plan(&request, 42)?;
///     let hosts = Arc::new(SimulatedExecutor::from_model(engine.model(), false));
///     let runner = Runner::new(hosts, Arc::new(MemoryJournal::new()), HostLimits::default());
///     let applied = runner.apply(&plan, &Cancel::new()).await?;
///     engine.commit(&plan)?;
///     Ok(applied.volume)
/// }
///
/// let topology = r#"{"clusters":[{"nodes":[
///   {"node":{"hostnames":{"manage":["n1"],"storage":["10.0.0.1"]},"zone":1},"devices":["/dev/sdb"]},
///   {"node":{"hostnames":{"manage":["n2"],"storage":["10.0.0.2"]},"zone":2},"devices":["/dev/sdb"]},
///   {"node":{"hostnames":{"manage":["n3"],"storage":["10.0.0.3"]},"zone":3},"devices":["/dev/sdb"]}
/// ]}]}"#;
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// assert_eq!(runtime.block_on(provision(topology)).unwrap(), "pvc-1");
/// // 100 GiB on three 10 GiB disks: a placement refusal, through the same error.
/// let refused = runtime.block_on(async {
///     let options = HeketiLoadOptions { default_device_size: Some(ByteSize::gib(10)), ..Default::default() };
///     let model = import_any(topology, &options)?;
///     let request = VolumeRequest::new(ByteSize::gib(100), Durability::REPLICA_3);
///     Ok::<_, Error>(Engine::new(model, PlacementSettings::default()).plan(&request, 1)?)
/// });
/// assert!(matches!(refused, Err(Error::Placement(_))));
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A topology or state document could not be read.
    #[error(transparent)]
    Import(Box<ImportError>),
    /// A change of the model was refused (it changed nothing).
    #[error(transparent)]
    Model(Box<ModelError>),
    /// No placement exists, or the request is invalid (with the structured reasons).
    #[error(transparent)]
    Placement(Box<PlacementError>),
    /// An executor operation failed.
    #[error(transparent)]
    Exec(Box<ExecError>),
    /// A plan was not carried out (rolled back, or its rollback is incomplete).
    #[error(transparent)]
    Apply(Box<ApplyError>),
    /// A request field was refused (e.g. a `RebalanceRequest` target), naming the field.
    #[error(transparent)]
    Invalid(Box<InvalidField>),
    /// No evacuation plan moves every brick off the target (each one explained).
    #[error(transparent)]
    Evacuation(Box<EvacuationError>),
    /// A volume could not be expanded.
    #[error(transparent)]
    Expand(Box<ExpandError>),
    /// A journal could not be opened, read, written or trusted.
    #[error(transparent)]
    Journal(Box<JournalError>),
}

// Every error is boxed, so `Result<_, Error>` stays two words wide whatever the family's
// errors carry (clippy's `result_large_err`), and `?` boxes on the way in.
macro_rules! from_boxed {
    ($($variant:ident($error:ty)),* $(,)?) => {$(
        impl From<$error> for Error {
            fn from(e: $error) -> Self {
                Error::$variant(Box::new(e))
            }
        }
    )*};
}

from_boxed!(
    Import(ImportError),
    Model(ModelError),
    Placement(PlacementError),
    Exec(ExecError),
    Apply(ApplyError),
    Invalid(InvalidField),
    Evacuation(EvacuationError),
    Expand(ExpandError),
    Journal(JournalError),
);
