//! Tags on nodes and devices, tag rules and the `arbiter` tag.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Free-form `key: value` labels on a node or a device.
pub type Tags = BTreeMap<String, String>;

/// The tag key that steers arbiter placement.
pub const ARBITER_TAG: &str = "arbiter";

/// A device's tags merged over its node's: a device's tag overrides its node's tag of the
/// same key (Heketi's rule).
pub fn merged_tags(node: &Tags, device: &Tags) -> Tags {
    let mut merged = node.clone();
    merged.extend(device.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

/// The effective value of `key` for a device on a node, without building the merged map.
pub fn effective_tag<'a>(node: &'a Tags, device: &'a Tags, key: &str) -> Option<&'a str> {
    device
        .get(key)
        .or_else(|| node.get(key))
        .map(String::as_str)
}

/// Comparison of a [`TagRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TagOp {
    /// `key=value`: the tag must be present with this value.
    Equal,
    /// `key!=value`: the tag must be absent or have another value.
    NotEqual,
}

/// A device tag rule, `key=value` or `key!=value` (Heketi's `user.heketi.device-tag-match`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagRule {
    /// Tag key.
    pub key: String,
    /// Comparison.
    pub op: TagOp,
    /// Tag value.
    pub value: String,
}

/// Why a tag rule did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tag rule {0:?}: expected key=value or key!=value")]
pub struct TagRuleError(pub String);

impl TagRule {
    /// Whether a device with these effective tags satisfies the rule.
    pub fn matches(&self, node: &Tags, device: &Tags) -> bool {
        let actual = effective_tag(node, device, &self.key);
        match self.op {
            TagOp::Equal => actual == Some(self.value.as_str()),
            TagOp::NotEqual => actual != Some(self.value.as_str()),
        }
    }
}

impl FromStr for TagRule {
    type Err = TagRuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TagRuleError(s.to_string());
        let (key, op, value) = if let Some((k, v)) = s.split_once("!=") {
            (k, TagOp::NotEqual, v)
        } else if let Some((k, v)) = s.split_once('=') {
            (k, TagOp::Equal, v)
        } else {
            return Err(err());
        };
        let key = key.trim();
        let value = value.trim();
        if key.is_empty() || key.contains(['=', '!']) || value.contains('=') {
            return Err(err());
        }
        Ok(TagRule {
            key: key.to_string(),
            op,
            value: value.to_string(),
        })
    }
}

impl TryFrom<String> for TagRule {
    type Error = TagRuleError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TagRule> for String {
    fn from(r: TagRule) -> String {
        r.to_string()
    }
}

impl fmt::Display for TagRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            TagOp::Equal => "=",
            TagOp::NotEqual => "!=",
        };
        write!(f, "{}{op}{}", self.key, self.value)
    }
}

/// What the `arbiter` tag allows on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArbiterTag {
    /// Only arbiter bricks.
    Required,
    /// Data and arbiter bricks (the default).
    #[default]
    Supported,
    /// Only data bricks.
    Disabled,
}

impl ArbiterTag {
    /// The effective arbiter tag of a device on a node; an unknown value counts as `supported`.
    pub fn of(node: &Tags, device: &Tags) -> ArbiterTag {
        match effective_tag(node, device, ARBITER_TAG) {
            Some("required") => ArbiterTag::Required,
            Some("disabled") => ArbiterTag::Disabled,
            _ => ArbiterTag::Supported,
        }
    }

    /// Whether a data brick may go on such a device.
    pub fn takes_data(self) -> bool {
        self != ArbiterTag::Required
    }

    /// Whether an arbiter brick may go on such a device.
    pub fn takes_arbiter(self) -> bool {
        self != ArbiterTag::Disabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn device_tags_override_node_tags() {
        let node = tags(&[("media", "hdd"), ("rack", "r1")]);
        let dev = tags(&[("media", "ssd")]);
        let m = merged_tags(&node, &dev);
        assert_eq!(m["media"], "ssd");
        assert_eq!(m["rack"], "r1");
        assert_eq!(effective_tag(&node, &dev, "media"), Some("ssd"));
    }

    #[test]
    fn rules_parse_and_match() {
        let eq: TagRule = "media=ssd".parse().unwrap();
        let ne: TagRule = "media!=ssd".parse().unwrap();
        assert_eq!(ne.op, TagOp::NotEqual);
        let node = tags(&[("media", "hdd")]);
        let ssd = tags(&[("media", "ssd")]);
        assert!(eq.matches(&node, &ssd));
        assert!(!eq.matches(&node, &Tags::new()));
        assert!(ne.matches(&node, &Tags::new()));
        assert!(ne.matches(&Tags::new(), &Tags::new()));
        assert!(!ne.matches(&node, &ssd));
        assert_eq!(eq.to_string(), "media=ssd");
        for bad in ["", "media", "=ssd", "a=b=c", "a!=!=b"] {
            assert!(bad.parse::<TagRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn arbiter_tag_semantics() {
        let req = tags(&[("arbiter", "required")]);
        let dis = tags(&[("arbiter", "disabled")]);
        assert_eq!(ArbiterTag::of(&Tags::new(), &req), ArbiterTag::Required);
        assert_eq!(ArbiterTag::of(&dis, &Tags::new()), ArbiterTag::Disabled);
        assert_eq!(ArbiterTag::of(&dis, &req), ArbiterTag::Required);
        assert_eq!(
            ArbiterTag::of(&Tags::new(), &Tags::new()),
            ArbiterTag::Supported
        );
        assert!(!ArbiterTag::Required.takes_data());
        assert!(ArbiterTag::Required.takes_arbiter());
        assert!(!ArbiterTag::Disabled.takes_arbiter());
    }
}
