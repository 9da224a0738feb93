//! Before redb opens an existing file (and may repair it in place), the file is probed on
//! a copy in memory: a truncated or corrupt file is refused and never written to.

// redb's own error type is large; it never leaves this module unboxed.
#![allow(clippy::result_large_err)]

use std::io;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use redb::{Builder, ReadableTable, StorageBackend, TableDefinition};

/// Where redb's file header keeps its flags (after the 9-byte magic number), and the flag a
/// writer sets while the file is open and clears when it closes cleanly (redb 2's
/// `tree_store/page_store/header.rs`).
const GOD_BYTE_OFFSET: usize = 9;
const RECOVERY_REQUIRED: u8 = 2;

/// A redb storage backend over bytes in memory.
#[derive(Debug)]
struct Bytes(std::sync::Arc<Mutex<Vec<u8>>>);

impl StorageBackend for Bytes {
    fn len(&self) -> Result<u64, io::Error> {
        Ok(self.0.lock().unwrap_or_else(PoisonError::into_inner).len() as u64)
    }

    fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, io::Error> {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
        let end = start.checked_add(len).ok_or(io::ErrorKind::InvalidInput)?;
        bytes
            .get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let len = usize::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?;
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .resize(len, 0);
        Ok(())
    }

    fn sync_data(&self, _eventual: bool) -> Result<(), io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::InvalidInput)?;
        let end = start
            .checked_add(data.len())
            .ok_or(io::ErrorKind::InvalidInput)?;
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[start..end].copy_from_slice(data);
        Ok(())
    }
}

/// Whether the existing file at `path` opens and reads cleanly (on a copy in memory); an
/// absent or empty file passes (redb creates it). Run it in a blocking task: a corrupt file
/// can make redb panic, which the task contains.
pub(crate) fn probe(path: &Path, tables: &[&str]) -> Result<(), String> {
    let bytes = match std::fs::read(path) {
        Ok(b) if b.is_empty() => return Ok(()),
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let original_len = bytes.len();
    let crashed = bytes
        .get(GOD_BYTE_OFFSET)
        .is_some_and(|b| b & RECOVERY_REQUIRED != 0);
    let shared = std::sync::Arc::new(Mutex::new(bytes));
    let mut db = Builder::new()
        .create_with_backend(Bytes(shared.clone()))
        .map_err(|e| e.to_string())?;
    // A file shorter than its own layout says is truncated: redb would extend (and so
    // rewrite) it on open, which the real file must never see. A file left by a writer that
    // was killed (its header still says "recovery required") may be longer than its last
    // commit's layout: space grown for a transaction that never committed, which redb's
    // repair trims. Only that case may change length.
    let len_after_open = shared.lock().unwrap_or_else(PoisonError::into_inner).len();
    let trimmed_after_crash = crashed && len_after_open < original_len;
    if len_after_open != original_len && !trimmed_after_crash {
        return Err(format!(
            "the file is {original_len} bytes but its layout needs {len_after_open}: truncated"
        ));
    }
    if !db.check_integrity().map_err(|e| e.to_string())? {
        return Err("the integrity check failed".into());
    }
    let tx = db.begin_read().map_err(|e| e.to_string())?;
    for name in tables {
        let def: TableDefinition<'_, &str, (u64, &[u8])> = TableDefinition::new(name);
        match tx.open_table(def) {
            Ok(t) => {
                for row in t.iter().map_err(|e| e.to_string())? {
                    row.map_err(|e| e.to_string())?;
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}
