//! The status part every answer carries: `opRet`, `opErrno`, `opErrstr`, `output`.

use super::tree::{self, Element};
use super::XmlError;

/// The outcome fields of a `cliOutput` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOutput {
    /// `opRet`: 0 on success (-1 on most failures, 1 for `peer detach`).
    pub op_ret: i32,
    /// `opErrno`: also set on some successes (e.g. 2 for "already in peer list").
    pub op_errno: i32,
    /// `opErrstr`: may be non-empty on success and span several lines.
    pub op_errstr: String,
    /// `output`, when present.
    pub output: Option<String>,
}

impl CliOutput {
    /// Whether glusterd reports success.
    pub fn success(&self) -> bool {
        self.op_ret == 0
    }

    /// The failure message: `opErrstr`, or `output` when that is empty.
    pub fn message(&self) -> String {
        if self.op_errstr.is_empty() {
            self.output.clone().unwrap_or_default()
        } else {
            self.op_errstr.clone()
        }
    }

    /// `Ok` on success, else [`XmlError::Failed`].
    pub fn check(&self) -> Result<(), XmlError> {
        if self.success() {
            Ok(())
        } else {
            Err(XmlError::Failed {
                op_ret: self.op_ret,
                op_errno: self.op_errno,
                message: self.message(),
            })
        }
    }
}

pub(crate) fn from_root(root: &Element) -> Result<CliOutput, XmlError> {
    if root.name != "cliOutput" {
        return Err(XmlError::Malformed(format!(
            "root element is <{}>, not <cliOutput>",
            root.name
        )));
    }
    Ok(CliOutput {
        op_ret: root.number("opRet")?,
        op_errno: root.number("opErrno").unwrap_or(0),
        op_errstr: root.text_of("opErrstr").unwrap_or("").to_string(),
        output: root.text_of("output").map(str::to_string),
    })
}

/// Parse the outcome of any answer (success or not: see [`CliOutput::check`]).
pub fn parse_cli_output(xml: &str) -> Result<CliOutput, XmlError> {
    from_root(&tree::parse(xml)?)
}

/// Parse an answer and fail unless glusterd reports success; gives the root for more reading.
pub(crate) fn parse_success(xml: &str) -> Result<Element, XmlError> {
    let root = tree::parse(xml)?;
    from_root(&root)?.check()?;
    Ok(root)
}
