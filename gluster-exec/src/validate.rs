//! Checks on every name and path before a command is built from it.
//!
//! Commands are argv vectors, so a name cannot start a second command locally; these checks
//! also keep names from being read as options (a leading `-`), from escaping a directory
//! (`..`), from changing meaning in Gluster's `host:/path` syntax (`:`) and from reaching a
//! remote shell unquoted. A name that fails is [`ExecError::InvalidRequest`]: nothing runs.

use crate::error::ExecError;
use crate::ops::*;

/// Longest volume or block volume name accepted.
pub const MAX_NAME_LEN: usize = 128;
/// Longest path accepted.
pub const MAX_PATH_LEN: usize = 1024;
/// Words the gluster CLI reserves and refuses as volume names.
const RESERVED_NAMES: [&str; 5] = ["all", "help", "volume", "peer", "pool"];

fn invalid(what: &str, value: &str, why: &str) -> ExecError {
    let shown: String = value.chars().take(80).collect();
    ExecError::InvalidRequest(format!("{what} {shown:?} {why}"))
}

fn only(value: &str, allowed: impl Fn(u8) -> bool) -> bool {
    value.bytes().all(allowed)
}

/// A Gluster volume name: `[A-Za-z0-9_-]`, not starting with `-`, not reserved.
pub fn volume_name(name: &str) -> Result<(), ExecError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(invalid("volume name", name, "must be 1 to 128 characters"));
    }
    if !only(name, |b| {
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
    }) {
        return Err(invalid(
            "volume name",
            name,
            "may hold only A-Z a-z 0-9 _ -",
        ));
    }
    if name.starts_with('-') {
        return Err(invalid("volume name", name, "must not start with -"));
    }
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(invalid("volume name", name, "is reserved by gluster"));
    }
    Ok(())
}

/// A hostname or IPv4 address: dot-separated labels of `[A-Za-z0-9-]` not starting or
/// ending with `-` (IPv6 literals are not accepted: they clash with `host:/path`).
pub fn hostname(host: &str) -> Result<(), ExecError> {
    if host.is_empty() || host.len() > 253 {
        return Err(invalid("hostname", host, "must be 1 to 253 characters"));
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && only(label, |b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(invalid(
                "hostname",
                host,
                "must be dot-separated labels of A-Z a-z 0-9 - (not at a label's ends)",
            ));
        }
    }
    Ok(())
}

/// A login name for ssh: `[a-z_][a-z0-9_-]*`.
pub fn user_name(user: &str) -> Result<(), ExecError> {
    let ok = user.len() <= 32
        && user
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && only(user, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
        });
    if ok {
        Ok(())
    } else {
        Err(invalid("user name", user, "must match [a-z_][a-z0-9_-]*"))
    }
}

/// A Kubernetes object name (namespace, pod, container, context): `[a-z0-9.-]`, starting
/// with a letter or digit.
pub fn kube_name(name: &str) -> Result<(), ExecError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && only(name, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "kubernetes name",
            name,
            "must match [a-z0-9][a-z0-9.-]*",
        ))
    }
}

fn path_segment_ok(seg: &str, extra: &[u8]) -> bool {
    !seg.is_empty()
        && seg != "."
        && seg != ".."
        && !seg.starts_with('-')
        && only(seg, |b| {
            b.is_ascii_alphanumeric() || b"_.+@-".contains(&b) || extra.contains(&b)
        })
}

/// An absolute path without `.`/`..`, empty or hidden-option segments, and of
/// `[A-Za-z0-9_.+@-]` only (no `:`, which would break `host:/path`).
pub fn abs_path(what: &str, path: &str) -> Result<(), ExecError> {
    if path.len() > MAX_PATH_LEN {
        return Err(invalid(what, path, "is too long"));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid(what, path, "must be an absolute path"));
    };
    if rest.is_empty() || !rest.split('/').all(|s| path_segment_ok(s, b"")) {
        return Err(invalid(
            what,
            path,
            "must be /-separated segments of A-Z a-z 0-9 _ . + @ - (no ., .., //, leading -)",
        ));
    }
    Ok(())
}

/// A block device path under `/dev/` (`:` allowed, as in `/dev/disk/by-path/...`).
pub fn device_path(path: &str) -> Result<(), ExecError> {
    let ok = path.len() <= MAX_PATH_LEN
        && path
            .strip_prefix("/dev/")
            .is_some_and(|rest| rest.split('/').all(|s| path_segment_ok(s, b":")));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "device",
            path,
            "must be a path under /dev/ of A-Z a-z 0-9 _ . + @ : -",
        ))
    }
}

/// A volume option key: `[A-Za-z0-9_.-]`, starting with a letter or digit.
pub fn option_key(key: &str) -> Result<(), ExecError> {
    let ok = !key.is_empty()
        && key.len() <= 256
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && only(key, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "option key",
            key,
            "must match [A-Za-z0-9][A-Za-z0-9_.-]*",
        ))
    }
}

/// A volume option value: `[A-Za-z0-9_.,:/*@=+%-]`, not starting with `-`.
pub fn option_value(value: &str) -> Result<(), ExecError> {
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
            "option value",
            value,
            "must be A-Z a-z 0-9 _ . , : / * @ = + % - and not start with -",
        ))
    }
}

/// Every key and value of an option list.
pub fn options(options: &[(String, String)]) -> Result<(), ExecError> {
    options.iter().try_for_each(|(k, v)| {
        option_key(k)?;
        option_value(v)
    })
}

/// A brick's `host:/path`.
pub fn brick_address(brick: &BrickAddress) -> Result<(), ExecError> {
    hostname(&brick.host)?;
    abs_path("brick path", &brick.path)
}

fn brick_list(bricks: &[BrickAddress]) -> Result<(), ExecError> {
    if bricks.is_empty() {
        return Err(ExecError::InvalidRequest("no bricks given".into()));
    }
    bricks.iter().try_for_each(brick_address)
}

/// A device setup or teardown request.
pub fn device_setup(r: &DeviceSetup) -> Result<(), ExecError> {
    hostname(&r.host)?;
    device_path(&r.device)
}

/// A brick create or destroy request.
pub fn brick_create(r: &BrickCreate) -> Result<(), ExecError> {
    hostname(&r.host)?;
    device_path(&r.device)?;
    abs_path("brick path", &r.path)?;
    if r.size.bytes() == 0 || r.pool_size.bytes() == 0 || r.metadata_size.bytes() == 0 {
        return Err(ExecError::InvalidRequest(format!(
            "brick {}: sizes must not be zero",
            r.brick_id
        )));
    }
    if r.pool_size < r.size {
        return Err(ExecError::InvalidRequest(format!(
            "brick {}: thin pool {} is smaller than the brick {}",
            r.brick_id, r.pool_size, r.size
        )));
    }
    Ok(())
}

/// A volume create request.
pub fn volume_create(r: &VolumeCreate) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.name)?;
    brick_list(&r.bricks)?;
    let set = r.durability.set_size();
    if !r.bricks.len().is_multiple_of(set) {
        return Err(ExecError::InvalidRequest(format!(
            "volume {}: {} bricks are not whole sets of {set}",
            r.name,
            r.bricks.len()
        )));
    }
    options(&r.options)
}

/// A request naming a volume on a host.
pub fn volume_ref(r: &VolumeRef) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.name)
}

/// A volume expand request.
pub fn volume_expand(r: &VolumeExpand) -> Result<(), ExecError> {
    volume_create(&VolumeCreate {
        host: r.host.clone(),
        name: r.name.clone(),
        durability: r.durability,
        bricks: r.bricks.clone(),
        options: Vec::new(),
    })
}

/// A replace-brick request.
pub fn replace_brick(r: &ReplaceBrick) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.name)?;
    brick_address(&r.old)?;
    brick_address(&r.new)
}

/// A set-options request.
pub fn set_options(r: &SetOptions) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.name)?;
    options(&r.options)
}

/// A peer probe or detach request.
pub fn peer(r: &PeerRequest) -> Result<(), ExecError> {
    hostname(&r.host)?;
    hostname(&r.peer)
}

/// A block volume create request.
pub fn block_volume_create(r: &BlockVolumeCreate) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.hosting_volume)?;
    volume_name(&r.name)?;
    if r.size.bytes() == 0 {
        return Err(ExecError::InvalidRequest(
            "block volume size is zero".into(),
        ));
    }
    if r.ha_hosts.is_empty() {
        return Err(ExecError::InvalidRequest(
            "block volume has no ha host".into(),
        ));
    }
    r.ha_hosts.iter().try_for_each(|h| hostname(h))
}

/// A block volume delete request.
pub fn block_volume_delete(r: &BlockVolumeDelete) -> Result<(), ExecError> {
    hostname(&r.host)?;
    volume_name(&r.hosting_volume)?;
    volume_name(&r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: [&str; 14] = [
        "",
        "-rf",
        "--help",
        "a b",
        "a;reboot",
        "$(reboot)",
        "`id`",
        "a|b",
        "a&b",
        "a\nb",
        "a'b",
        "a\"b",
        "a\\b",
        "a\0b",
    ];

    #[test]
    fn good_names_pass() {
        volume_name("vol_1-a").unwrap();
        hostname("node-1.example.com").unwrap();
        hostname("198.51.100.10").unwrap();
        device_path("/dev/sdb").unwrap();
        device_path("/dev/disk/by-path/pci-0000:00:1f.2-ata-1").unwrap();
        abs_path("p", "/var/lib/heketi/mounts/vg_0a/brick_1b/brick").unwrap();
        option_key("performance.readdir-ahead").unwrap();
        option_value("10.0.0.*,192.168.1.1").unwrap();
        user_name("root").unwrap();
        kube_name("glusterfs-abc.1").unwrap();
    }

    #[test]
    fn hostile_inputs_are_invalid_requests() {
        for bad in HOSTILE {
            for result in [
                volume_name(bad),
                hostname(bad),
                device_path(&format!("/dev/{bad}")),
                abs_path("p", &format!("/bricks/{bad}")),
                option_key(bad),
                option_value(bad),
                user_name(bad),
                kube_name(bad),
            ] {
                assert!(
                    matches!(result, Err(ExecError::InvalidRequest(_))),
                    "{bad:?} passed"
                );
            }
        }
    }

    #[test]
    fn paths_cannot_escape_or_change_meaning() {
        for bad in [
            "/",
            "relative/path",
            "/bricks/../etc",
            "/bricks/./x",
            "/bricks//x",
            "/bricks/x/",
            "/bricks/a:b",
            "/bricks/-x",
            "/bricks/x y",
        ] {
            assert!(abs_path("p", bad).is_err(), "{bad}");
        }
        for bad in [
            "/dev/",
            "/dev/../etc/passwd",
            "/etc/passwd",
            "/dev/sd b",
            "sdb",
        ] {
            assert!(device_path(bad).is_err(), "{bad}");
        }
        for bad in ["all", "HELP", "a.b", "vol/x", "vol:x"] {
            assert!(volume_name(bad).is_err(), "{bad}");
        }
        for bad in ["h..x", ".h", "h.", "-h", "h-", "a_b", "::1", "user@h"] {
            assert!(hostname(bad).is_err(), "{bad}");
        }
    }
}
