//! Telling the formats apart without building the document: a probe that reads only the
//! keys [`super::detect_format`] looks at and skips everything else. A 1,000,000-device
//! load file was parsed into a `serde_json::Value` tree (hundreds of megabytes) just to
//! read two keys, then parsed again by its importer.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::{DocumentFormat, NATIVE_FORMAT};

/// A key that is there, whatever its value (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(Present(true))
    }
}

#[derive(Deserialize)]
struct Top {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    clusters: Option<Vec<Cluster>>,
}

#[derive(Deserialize)]
struct Cluster {
    #[serde(default)]
    id: Present,
    #[serde(default)]
    nodes: Vec<NodeProbe>,
}

#[derive(Deserialize)]
struct NodeProbe {
    #[serde(default)]
    id: Present,
}

/// The format of `json` when it has the usual shape (an object whose `format` is a string
/// if present, whose `clusters` is an array of objects with arrays of object `nodes`):
/// what the full check would say. `None` for anything else, invalid JSON included: the
/// caller then runs the full check, which explains the problem.
pub(super) fn quick_format(json: &str) -> Option<DocumentFormat> {
    let top: Top = serde_json::from_str(json).ok()?;
    if top.format.as_deref() == Some(NATIVE_FORMAT) {
        return Some(DocumentFormat::Native);
    }
    let clusters = top.clusters?;
    let any_node = clusters.iter().flat_map(|c| c.nodes.iter()).next();
    let is_info = clusters.iter().any(|c| c.id.0) || any_node.is_some_and(|n| n.id.0);
    Some(if is_info {
        DocumentFormat::HeketiInfo
    } else {
        DocumentFormat::HeketiLoad
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wherever the probe answers, it says what the full check says; it answers for the
    /// three ordinary forms.
    #[test]
    fn the_probe_agrees_with_the_full_check() {
        let ordinary = [
            r#"{"format":"NATIVE","clusters":[{"id":"c"}],"nodes":[]}"#,
            r#"{"clusters":[{"nodes":[{"node":{"zone":1},"devices":["/dev/sdb"]}]}]}"#,
            r#"{"clusters":[{"id":"c1","nodes":[{"id":"n1"}]}]}"#,
            r#"{"clusters":[{"nodes":[]},{"nodes":[{"id":null}]}]}"#,
        ];
        let odd = [
            r#"{"format":7,"clusters":[]}"#,
            r#"{"format":null,"clusters":[{"nodes":[{"node":{}}]}]}"#,
            r#"{"clusters":null}"#,
            r#"{"clusters":[1,{"nodes":"x"}]}"#,
            r#"{"clusters":[{"nodes":[3,{"id":1}]}]}"#,
            r#"{"clusters":[{"id":1}],"clusters":[{"nodes":[]}]}"#,
            r#"{"clusters":[{"id":1,"id":2}]}"#,
            r#"[1,2]"#,
            r#"{"clusters":[]"#,
            "",
        ];
        let native = format!(r#"{{"format":"{NATIVE_FORMAT}","clusters":[]}}"#);
        for (i, json) in ordinary
            .iter()
            .copied()
            .chain([native.as_str()])
            .enumerate()
        {
            let json = json.replace("NATIVE", NATIVE_FORMAT);
            let quick = quick_format(&json);
            assert!(quick.is_some(), "ordinary document {i} not probed: {json}");
            assert_eq!(quick, super::super::full_format(&json).ok(), "{json}");
        }
        for json in odd {
            if let Some(quick) = quick_format(json) {
                assert_eq!(Some(quick), super::super::full_format(json).ok(), "{json}");
            }
        }
    }
}
