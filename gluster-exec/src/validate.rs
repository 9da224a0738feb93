//! Checks on every name and path before a command is built from it.
//!
//! Commands are argv vectors, so a name cannot start a second command locally; these checks
//! also keep names from being read as options (a leading `-`), from escaping a directory
//! (`..`), from changing meaning in Gluster's `host:/path` syntax (`:`) and from reaching a
//! remote shell unquoted. A name that fails is [`ExecError::InvalidRequest`]: nothing runs.
//! The rules of names and paths are the family's one set, gluster-model's validated types
//! ([`gluster_model::VolumeName`], [`gluster_model::HostName`], ...); this module applies
//! them to every field of a request, with the exec-only rules (ssh users, kubernetes names).

use crate::error::ExecError;
use crate::ops::*;

use gluster_model::{
    BrickPath, DevicePath, HostName, InvalidValue, OptionKey, OptionValue, VolumeName,
};
pub use gluster_model::{MAX_NAME_LEN, MAX_PATH_LEN};

fn invalid(what: &str, value: &str, why: &str) -> ExecError {
    let shown: String = value.chars().take(80).collect();
    ExecError::InvalidRequest(format!("{what} {shown:?} {why}"))
}

fn refused(e: InvalidValue) -> ExecError {
    ExecError::InvalidRequest(e.to_string())
}

fn only(value: &str, allowed: impl Fn(u8) -> bool) -> bool {
    value.bytes().all(allowed)
}

/// A Gluster volume name: the family's one rule ([`gluster_model::VolumeName`]).
pub fn volume_name(name: &str) -> Result<(), ExecError> {
    VolumeName::check(name).map_err(refused)
}

/// A hostname or IPv4 address ([`gluster_model::HostName`]).
pub fn hostname(host: &str) -> Result<(), ExecError> {
    HostName::check(host).map_err(refused)
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

/// An absolute path by the rule of brick paths ([`gluster_model::BrickPath`]), named
/// `what` in the error.
pub fn abs_path(what: &str, path: &str) -> Result<(), ExecError> {
    BrickPath::check(path).map_err(|e| invalid(what, path, e.rule))
}

/// A block device path under `/dev/` ([`gluster_model::DevicePath`]).
pub fn device_path(path: &str) -> Result<(), ExecError> {
    DevicePath::check(path).map_err(refused)
}

/// A volume option key ([`gluster_model::OptionKey`]).
pub fn option_key(key: &str) -> Result<(), ExecError> {
    OptionKey::check(key).map_err(refused)
}

/// A volume option value ([`gluster_model::OptionValue`]).
pub fn option_value(value: &str) -> Result<(), ExecError> {
    OptionValue::check(value).map_err(refused)
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
