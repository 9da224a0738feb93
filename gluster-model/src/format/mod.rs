//! Reading and writing the documents users have: Heketi's topology load file, Heketi's
//! `topology info --json` dump, and this crate's own versioned JSON.

mod detect;
mod fields;
mod heketi_db;
mod heketi_info;
mod heketi_load;
mod hosts;
mod native;

use std::fmt;

pub use heketi_db::{import_heketi_db, HeketiDbImport, PendingOperation};
pub use heketi_info::import_heketi_info;
pub use heketi_load::{import_heketi_load, HeketiLoadOptions};
pub use native::{from_native_json, to_native_json, NATIVE_FORMAT, NATIVE_VERSION};

use crate::check::Inconsistency;
use crate::model::Model;

/// Why a document could not be imported. Every variant names the JSON path of the problem;
/// [`ImportError::in_file`] adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Not JSON, or a field of the wrong type or missing.
    #[error("{}{path}: {message}", file_prefix(.file))]
    Syntax {
        /// File name, when known.
        file: Option<String>,
        /// JSON path, e.g. `clusters[0].nodes[2].zone`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Well-formed JSON with a value that makes no sense.
    #[error("{}{path}: {message}", file_prefix(.file))]
    Invalid {
        /// File name, when known.
        file: Option<String>,
        /// JSON path.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The document reads, but the state it describes is inconsistent.
    #[error("{}inconsistent state: {}", file_prefix(.file), join(.problems))]
    Inconsistent {
        /// File name, when known.
        file: Option<String>,
        /// Every inconsistency found.
        problems: Vec<Inconsistency>,
    },
    /// The document is none of the known formats.
    #[error("{}{message}", file_prefix(.file))]
    UnknownFormat {
        /// File name, when known.
        file: Option<String>,
        /// What was seen.
        message: String,
    },
}

fn file_prefix(file: &Option<String>) -> String {
    match file {
        Some(f) => format!("{f}: "),
        None => String::new(),
    }
}

fn join(problems: &[Inconsistency]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ImportError {
    /// The same error, naming `file`.
    pub fn in_file(mut self, name: impl Into<String>) -> Self {
        let slot = match &mut self {
            ImportError::Syntax { file, .. }
            | ImportError::Invalid { file, .. }
            | ImportError::Inconsistent { file, .. }
            | ImportError::UnknownFormat { file, .. } => file,
        };
        *slot = Some(name.into());
        self
    }

    pub(crate) fn invalid(path: impl fmt::Display, message: impl Into<String>) -> Self {
        ImportError::Invalid {
            file: None,
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Deserializes `json` into `T`, reporting the JSON path of any error.
pub(crate) fn parse_with_path<T: serde::de::DeserializeOwned>(
    json: &str,
) -> Result<T, ImportError> {
    // Fast path: plain serde_json. Only a document that fails is parsed again with path
    // tracking, which allocates for every key, to name where it failed.
    if let Ok(value) = serde_json::from_str(json) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ImportError::Syntax {
            file: None,
            path: if path == "." { "$".to_string() } else { path },
            message: inner.to_string(),
        }
    })
}

/// The formats [`import_any`] recognizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    /// This crate's own JSON.
    Native,
    /// Heketi's `topology load` file.
    HeketiLoad,
    /// Heketi's `topology info --json` dump.
    HeketiInfo,
}

/// Tells which format a JSON document is in, by its shape.
pub fn detect_format(json: &str) -> Result<DocumentFormat, ImportError> {
    match detect::quick_format(json) {
        Some(format) => Ok(format),
        None => full_format(json),
    }
}

/// [`detect_format`] on the parsed document (what the quick probe must agree with).
fn full_format(json: &str) -> Result<DocumentFormat, ImportError> {
    let value: serde_json::Value = parse_with_path(json)?;
    if value.get("format").and_then(|f| f.as_str()) == Some(NATIVE_FORMAT) {
        return Ok(DocumentFormat::Native);
    }
    let clusters = value
        .get("clusters")
        .and_then(|c| c.as_array())
        .ok_or_else(|| ImportError::UnknownFormat {
            file: None,
            message: format!(
                "not a known topology format: expected {{\"format\": \"{NATIVE_FORMAT}\"}} or Heketi's {{\"clusters\": [...]}}"
            ),
        })?;
    let any_node = clusters
        .iter()
        .filter_map(|c| c.get("nodes").and_then(|n| n.as_array()))
        .flatten()
        .next();
    let is_info = clusters.iter().any(|c| c.get("id").is_some())
        || any_node.is_some_and(|n| n.get("id").is_some());
    Ok(if is_info {
        DocumentFormat::HeketiInfo
    } else {
        DocumentFormat::HeketiLoad
    })
}

/// Imports a document in any known format; `load` sizes devices of a Heketi load file.
pub fn import_any(json: &str, load: &HeketiLoadOptions) -> Result<Model, ImportError> {
    match detect_format(json)? {
        DocumentFormat::Native => from_native_json(json),
        DocumentFormat::HeketiLoad => import_heketi_load(json, load),
        DocumentFormat::HeketiInfo => import_heketi_info(json),
    }
}

/// Checks a freshly built model and turns inconsistencies into an error.
pub(crate) fn require_consistent(mut model: Model) -> Result<Model, ImportError> {
    model.reindex_devices();
    let problems = model.check();
    if problems.is_empty() {
        Ok(model)
    } else {
        Err(ImportError::Inconsistent {
            file: None,
            problems,
        })
    }
}
