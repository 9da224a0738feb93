//! Durable, concurrent cluster state.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod etcd;
mod key;
mod memory;
mod provisioner;
mod redb_probe;
mod redb_store;
mod store;

pub use error::StoreError;
pub use etcd::EtcdStore;
pub use key::{Change, Changes, Entry, Expect, Key, Kind, Revision, Txn, TxnOp, Write};
pub use memory::MemoryStore;
pub use provisioner::{
    import_model, Created, Difference, HostReport, HostVolume, PendingOp, Provisioner,
    RecoveryPolicy, RecoveryReport, RequestRecord, Stats,
};
pub use redb_store::RedbStore;
pub use store::{compact_runs, ensure_format, format_key, RunEntry, Store, FORMAT_VERSION};

#[cfg(feature = "testing")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod etcd_server;
#[cfg(feature = "testing")]
pub mod testing;
