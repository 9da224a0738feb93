//! One rule per kind of name or path, for the whole family: the loaders check documents
//! with it, the engine checks requests with it, the executors check commands with it.
//!
//! Each kind is a validated type ([`VolumeName`], [`HostName`], [`DevicePath`], ...) whose
//! only constructor applies the rule, so a value of the type is valid. The rules keep names
//! from being read as options (a leading `-`), from escaping a directory (`..`), from
//! changing meaning in Gluster's `host:/path` syntax (`:`) and from reaching a shell.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest volume or block volume name.
pub const MAX_NAME_LEN: usize = 128;
/// Longest path.
pub const MAX_PATH_LEN: usize = 1024;
/// Words the gluster CLI reserves (compared without case).
const RESERVED_NAMES: [&str; 5] = ["all", "help", "volume", "peer", "pool"];

/// What kind of value broke its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValueKind {
    /// A Gluster volume name.
    VolumeName,
    /// A block volume name.
    BlockVolumeName,
    /// A hostname or IPv4 address.
    HostName,
    /// A block device path under `/dev/`.
    DevicePath,
    /// A brick directory.
    BrickPath,
    /// The root of brick mounts.
    MountRoot,
    /// A tag key.
    TagKey,
    /// A tag value.
    TagValue,
    /// A volume option key.
    OptionKey,
    /// A volume option value.
    OptionValue,
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueKind::VolumeName => "volume name",
            ValueKind::BlockVolumeName => "block volume name",
            ValueKind::HostName => "hostname",
            ValueKind::DevicePath => "device",
            ValueKind::BrickPath => "brick path",
            ValueKind::MountRoot => "brick mount root",
            ValueKind::TagKey => "tag key",
            ValueKind::TagValue => "tag value",
            ValueKind::OptionKey => "option key",
            ValueKind::OptionValue => "option value",
        })
    }
}

/// A value that breaks the rule of its kind: the kind, the value (cut at 80 characters) and
/// the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} {rule}")]
pub struct InvalidValue {
    /// Which rule.
    pub kind: ValueKind,
    /// The value, cut at 80 characters.
    pub value: String,
    /// What the rule asks, e.g. `must not start with -`.
    pub rule: &'static str,
}

fn invalid(kind: ValueKind, value: &str, rule: &'static str) -> InvalidValue {
    InvalidValue {
        kind,
        value: value.chars().take(80).collect(),
        rule,
    }
}

fn only(value: &str, allowed: impl Fn(u8) -> bool) -> bool {
    value.bytes().all(allowed)
}

fn check_volume_name(kind: ValueKind, name: &str) -> Result<(), InvalidValue> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(invalid(kind, name, "must be 1 to 128 characters"));
    }
    if !only(name, |b| {
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
    }) {
        return Err(invalid(kind, name, "may hold only A-Z a-z 0-9 _ -"));
    }
    if name.starts_with('-') {
        return Err(invalid(kind, name, "must not start with -"));
    }
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(invalid(kind, name, "is reserved by gluster"));
    }
    Ok(())
}

fn check_host(host: &str) -> Result<(), InvalidValue> {
    let kind = ValueKind::HostName;
    if host.is_empty() || host.len() > 253 {
        return Err(invalid(kind, host, "must be 1 to 253 characters"));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && only(label, |b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(invalid(
            kind,
            host,
            "must be dot-separated labels of A-Z a-z 0-9 - (not at a label's ends)",
        ))
    }
}

fn segment_ok(seg: &str, extra: &[u8]) -> bool {
    !seg.is_empty()
        && seg != "."
        && seg != ".."
        && !seg.starts_with('-')
        && only(seg, |b| {
            b.is_ascii_alphanumeric() || b"_.+@-".contains(&b) || extra.contains(&b)
        })
}

fn check_abs_path(kind: ValueKind, path: &str) -> Result<(), InvalidValue> {
    if path.len() > MAX_PATH_LEN {
        return Err(invalid(kind, path, "is too long"));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid(kind, path, "must be an absolute path"));
    };
    if rest.is_empty() || !rest.split('/').all(|s| segment_ok(s, b"")) {
        return Err(invalid(
            kind,
            path,
            "must be /-separated segments of A-Z a-z 0-9 _ . + @ - (no ., .., //, leading -)",
        ));
    }
    Ok(())
}

fn check_device(path: &str) -> Result<(), InvalidValue> {
    let ok = path.len() <= MAX_PATH_LEN
        && path
            .strip_prefix("/dev/")
            .is_some_and(|rest| rest.split('/').all(|s| segment_ok(s, b":")));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            ValueKind::DevicePath,
            path,
            "must be a path under /dev/ of A-Z a-z 0-9 _ . + @ : -",
        ))
    }
}

fn check_tag_key(key: &str) -> Result<(), InvalidValue> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && only(key, |b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            ValueKind::TagKey,
            key,
            "must match [A-Za-z0-9][A-Za-z0-9_./-]*",
        ))
    }
}

fn check_tag_value(value: &str) -> Result<(), InvalidValue> {
    let ok = value.len() <= 253
        && only(value, |b| {
            b.is_ascii_alphanumeric() || b"_.-/:@+".contains(&b)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            ValueKind::TagValue,
            value,
            "may hold only A-Z a-z 0-9 _ . - / : @ + (at most 253)",
        ))
    }
}

fn check_option_key(key: &str) -> Result<(), InvalidValue> {
    let ok = !key.is_empty()
        && key.len() <= 256
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && only(key, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            ValueKind::OptionKey,
            key,
            "must match [A-Za-z0-9][A-Za-z0-9_.-]*",
        ))
    }
}

fn check_option_value(value: &str) -> Result<(), InvalidValue> {
    let ok = !value.is_empty()
        && value.len() <= 1024
        && !value.starts_with('-')
        && only(value, |b| {
            b.is_ascii_alphanumeric() || b"_.,:/*@=+%-".contains(&b)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            ValueKind::OptionValue,
            value,
            "must be A-Z a-z 0-9 _ . , : / * @ = + % - and not start with -",
        ))
    }
}

macro_rules! validated {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value, if it keeps the rule.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
                let value = value.into();
                let check: fn(&str) -> Result<(), InvalidValue> = $check;
                check(&value)?;
                Ok($name(value))
            }

            /// Check `value` against the rule without keeping it.
            pub fn check(value: &str) -> Result<(), InvalidValue> {
                let check: fn(&str) -> Result<(), InvalidValue> = $check;
                check(value)
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, InvalidValue> {
                $name::new(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(value: &str) -> Result<Self, InvalidValue> {
                $name::new(value)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated!(
    /// A Gluster volume name: 1 to 128 of `[A-Za-z0-9_-]`, not starting with `-`, not a
    /// word the gluster CLI reserves (`all`, `help`, `volume`, `peer`, `pool`, any case).
    VolumeName,
    |v| check_volume_name(ValueKind::VolumeName, v)
);
validated!(
    /// A block volume name: the rule of volume names.
    BlockVolumeName,
    |v| check_volume_name(ValueKind::BlockVolumeName, v)
);
validated!(
    /// A hostname or IPv4 address: dot-separated labels of `[A-Za-z0-9-]`, not starting or
    /// ending with `-` (no IPv6 literals: they clash with `host:/path`).
    HostName,
    check_host
);
validated!(
    /// A block device path under `/dev/` (`:` allowed, as in `/dev/disk/by-path/...`).
    DevicePath,
    check_device
);
validated!(
    /// A brick directory: an absolute path of `[A-Za-z0-9_.+@-]` segments, without `.`,
    /// `..`, empty or `-`-led segments (no `:`, which would break `host:/path`).
    BrickPath,
    |v| check_abs_path(ValueKind::BrickPath, v)
);
validated!(
    /// The root of brick mounts on nodes: the rule of brick paths.
    MountRoot,
    |v| check_abs_path(ValueKind::MountRoot, v)
);
validated!(
    /// A tag key: `[A-Za-z0-9][A-Za-z0-9_./-]*`, at most 253.
    TagKey,
    check_tag_key
);
validated!(
    /// A tag value: `[A-Za-z0-9_.-/:@+]*`, at most 253 (may be empty).
    TagValue,
    check_tag_value
);
validated!(
    /// A volume option key: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most 256.
    OptionKey,
    check_option_key
);
validated!(
    /// A volume option value: `[A-Za-z0-9_.,:/*@=+%-]`, 1 to 1024, not starting with `-`.
    OptionValue,
    check_option_value
);

/// Check every key and value of an option list; the error names the option's position.
pub fn check_options(options: &[(String, String)]) -> Result<(), (usize, InvalidValue)> {
    options.iter().enumerate().try_for_each(|(i, (k, v))| {
        OptionKey::check(k)
            .and_then(|()| OptionValue::check(v))
            .map_err(|e| (i, e))
    })
}

/// Check every key and value of a tag map.
pub fn check_tags<'a>(
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), InvalidValue> {
    tags.into_iter()
        .try_for_each(|(k, v)| TagKey::check(k).and_then(|()| TagValue::check(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15 item 7: one rule for volume names, where placement and exec disagreed.
    #[test]
    fn volume_names_follow_one_rule() {
        assert!(VolumeName::new("vol_1-a").is_ok());
        for bad in ["", "-vol", "ALL", "Pool", "a b", "a;b", "a/b"] {
            assert!(VolumeName::new(bad).is_err(), "{bad:?}");
        }
        assert!(VolumeName::new("a".repeat(128)).is_ok());
        let err = VolumeName::new("a".repeat(129)).unwrap_err();
        assert_eq!(err.kind, ValueKind::VolumeName);
        assert!(BlockVolumeName::new("bv$(rm)").is_err());
    }

    #[test]
    fn hosts_paths_and_options() {
        assert!(HostName::new("node-1.example").is_ok());
        assert!(HostName::new("192.0.2.1").is_ok());
        for bad in ["", "a..b", "-a", "a b", "a;b", "fe80::1"] {
            assert!(HostName::new(bad).is_err(), "{bad:?}");
        }
        assert!(DevicePath::new("/dev/disk/by-path/pci-0:1").is_ok());
        assert!(DevicePath::new("/dev/../etc").is_err());
        assert!(MountRoot::new("/var/lib/heketi/mounts").is_ok());
        for bad in ["relative", "/a/../b", "/a:b", "/", "/a//b", "/a/-b"] {
            assert!(MountRoot::new(bad).is_err(), "{bad:?}");
        }
        assert!(OptionValue::new("$(reboot)").is_err());
        assert_eq!(
            check_options(&[("a.b".into(), "on".into()), ("c".into(), "-x".into())]),
            Err((
                1,
                invalid(
                    ValueKind::OptionValue,
                    "-x",
                    "must be A-Z a-z 0-9 _ . , : / * @ = + % - and not start with -"
                )
            ))
        );
        assert!(TagValue::new("").is_ok());
        assert!(TagKey::new("a=b").is_err());
    }

    #[test]
    fn serde_refuses_invalid_values() {
        assert!(serde_json::from_str::<VolumeName>("\"ok\"").is_ok());
        let err = serde_json::from_str::<VolumeName>("\"-bad\"").unwrap_err();
        assert!(err.to_string().contains("must not start with -"), "{err}");
    }
}
