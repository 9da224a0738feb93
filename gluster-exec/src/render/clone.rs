//! Subvolume clones that share blocks: the tree made through the FUSE mount, then each
//! file's data cloned brick by brick with `cp --reflink=always` (`FICLONE`), and the copy
//! through the mount where a brick cannot reflink.

use super::{argv, Step};
use crate::error::ExecError;
use crate::ops::{BrickReflink, FileCopy, SubvolumeTree, VolumeDir};
use crate::validate;

/// Walks `$2` (the new directory on the brick) and clones each regular file's data from
/// the same path under `$1` (the source directory on the brick) onto it, in place; prints
/// `c PATH` or `m PATH` (no source on this brick), NUL-terminated. A fixed script: paths are
/// arguments, never spliced into it.
pub const REFLINK_SCRIPT: &str = r#"cd "$2" || exit 2
find . -type f -exec sh -c 'src=$0; for f; do p=${f#./}; if [ -f "$src/$p" ]; then cp --reflink=always -- "$src/$p" "$p" || exit 3; printf "c %s\0" "$p"; else printf "m %s\0" "$p"; fi; done' "$1" {} +"#;

/// Run through the mount from the source directory `$1`: allocates each file of the new
/// directory `$2` at its source's size (`fallocate`), so that Gluster's quota accounts the
/// clone's data before the bricks clone it in place (the reflink then replaces those
/// blocks). A fixed script, as [`REFLINK_SCRIPT`].
pub const ALLOCATE_SCRIPT: &str = r#"cd "$1" || exit 2
find . -type f -size +0 -exec sh -c 'dst=$0; for f; do p=${f#./}; fallocate -l "$(stat -c %s -- "$p")" -- "$dst/$p" || exit 3; done' "$2" {} +"#;

fn dirs(host: &str, volume: &str, mount: &str, source: &str, dest: &str) -> Result<(), ExecError> {
    validate::hostname(host)?;
    validate::volume_name(volume)?;
    validate::abs_path("hosting volume mount point", mount)?;
    validate::abs_path("source directory", source)?;
    validate::abs_path("clone directory", dest)?;
    if source == dest || dest.starts_with(&format!("{source}/")) {
        return Err(ExecError::InvalidRequest(format!(
            "clone directory {dest} lies in its source {source}"
        )));
    }
    Ok(())
}

fn join(root: &str, dir: &str) -> String {
    format!("{}{dir}", root.trim_end_matches('/'))
}

/// A file path relative to a tree: no empty, `.` or `..` segment, no NUL or newline.
pub fn relative_file(path: &str) -> Result<(), ExecError> {
    let ok = !path.is_empty()
        && path.len() <= validate::MAX_PATH_LEN
        && !path.starts_with('/')
        && !path.contains(['\0', '\n'])
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    if ok {
        Ok(())
    } else {
        Err(ExecError::InvalidRequest(format!(
            "file {path:?} is not a plain relative path"
        )))
    }
}

/// Mount the hosting volume if needed, copy the tree without data (`cp --attributes-only`:
/// every directory and file exists in the clone, each with its gfid), then allocate each
/// file at its size through the mount ([`ALLOCATE_SCRIPT`]) so the quota counts it.
pub fn tree(r: &SubvolumeTree) -> Result<Vec<Step>, ExecError> {
    dirs(&r.host, &r.volume, &r.mount, &r.source, &r.dest)?;
    let mut steps = super::quota::dir_create(&VolumeDir {
        host: r.host.clone(),
        volume: r.volume.clone(),
        dir: r.source.clone(),
        mount: r.mount.clone(),
    })?;
    steps.pop(); // the source exists: no mkdir
    steps.push(Step::always(argv([
        "cp",
        "-r",
        "--no-target-directory",
        "--preserve=mode,timestamps",
        "--attributes-only",
        "--",
        &join(&r.mount, &r.source),
        &join(&r.mount, &r.dest),
    ])));
    steps.push(Step::always(argv([
        "sh",
        "-c",
        ALLOCATE_SCRIPT,
        "gluster-exec-allocate",
        &join(&r.mount, &r.source),
        &join(&r.mount, &r.dest),
    ])));
    Ok(steps)
}

/// `find` listing the regular files of the source tree as `SIZE PATH`, NUL-terminated.
pub fn list_files(r: &SubvolumeTree) -> Result<Vec<String>, ExecError> {
    dirs(&r.host, &r.volume, &r.mount, &r.source, &r.dest)?;
    Ok(argv([
        "find",
        &join(&r.mount, &r.source),
        "-type",
        "f",
        "-printf",
        "%s %P\\0",
    ]))
}

/// Parse [`list_files`] output; `None` when a record is not `SIZE PATH`.
pub fn parse_files(stdout: &str) -> Option<Vec<crate::ops::TreeFile>> {
    stdout
        .split('\0')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let (size, path) = r.split_once(' ')?;
            Some(crate::ops::TreeFile {
                path: path.to_string(),
                size: gluster_model::ByteSize::b(size.parse().ok()?),
            })
        })
        .collect()
}

/// The reflink script on one brick.
pub fn brick_reflink(r: &BrickReflink) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    validate::abs_path("brick path", &r.brick)?;
    dirs(&r.host, "brick", "/brick", &r.source, &r.dest)?;
    Ok(argv([
        "sh",
        "-c",
        REFLINK_SCRIPT,
        "gluster-exec-reflink",
        &join(&r.brick, &r.source),
        &join(&r.brick, &r.dest),
    ]))
}

/// Parse the reflink script's output.
pub fn parse_reflink(stdout: &str) -> Option<crate::ops::ReflinkReport> {
    let mut report = crate::ops::ReflinkReport::default();
    for rec in stdout.split('\0').filter(|r| !r.is_empty()) {
        match rec.split_at_checked(2)? {
            ("c ", p) => report.cloned.push(p.to_string()),
            ("m ", p) => report.missing.push(p.to_string()),
            _ => return None,
        }
    }
    Some(report)
}

/// `cp` of one file's data through the mount, onto the clone's (empty) file.
pub fn file_copy(r: &FileCopy) -> Result<Vec<String>, ExecError> {
    dirs(&r.host, &r.volume, &r.mount, &r.source, &r.dest)?;
    relative_file(&r.file)?;
    let src = format!("{}/{}", join(&r.mount, &r.source), r.file);
    let dst = format!("{}/{}", join(&r.mount, &r.dest), r.file);
    Ok(argv(["cp", "--reflink=never", "--", &src, &dst]))
}
