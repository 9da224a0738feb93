#!/usr/bin/env bash
# Fails when include/gluster_placement.h differs from what cbindgen generates from the crate.
# CI runs it; after changing the C API, regenerate with `./check-header.sh --update`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
command -v cbindgen >/dev/null || {
    echo "check-header.sh: cbindgen not found (cargo install cbindgen)" >&2
    exit 2
}
header=include/gluster_placement.h
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
cbindgen --quiet --config cbindgen.toml --crate gluster-placement-ffi --output "$fresh"
if [[ "${1:-}" == "--update" ]]; then
    cp "$fresh" "$header"
    echo "updated $header"
    exit 0
fi
if ! diff -u "$header" "$fresh"; then
    echo "check-header.sh: $header is out of date; run gluster-ffi-examples/check-header.sh --update" >&2
    exit 1
fi
echo "check-header.sh: $header is up to date"
