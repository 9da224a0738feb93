#!/usr/bin/env bash
# Builds the library, then builds and runs the C example (linked statically), the Python
# example (through the shared library) and the C example again under valgrind, failing on any
# error, leak or invalid memory access. CI runs it as it is.
#
# Environment:
#   GP_NO_BUILD=1     do not run cargo; use the artifacts already in GP_LIB_DIR
#   GP_LIB_DIR=DIR    where libgluster_placement_ffi.{a,so} are (default: the workspace's
#                     target/debug, or $CARGO_TARGET_DIR/debug)
#   GP_NO_VALGRIND=1  skip the valgrind run (for machines without valgrind; CI must not set it)
#   CC, PYTHON        compiler and interpreter (default gcc, python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
lib_dir="${GP_LIB_DIR:-${CARGO_TARGET_DIR:-$root/target}/debug}"
cc="${CC:-gcc}"
python="${PYTHON:-python3}"
topology="$here/examples/data/heketi-topology-3zones.json"

if [[ -z "${GP_NO_BUILD:-}" ]]; then
    echo "== cargo build -p gluster-placement-ffi"
    (cd "$root" && cargo build -p gluster-placement-ffi)
fi
for f in libgluster_placement_ffi.a libgluster_placement_ffi.so; do
    [[ -f "$lib_dir/$f" ]] || { echo "run-examples.sh: $lib_dir/$f not found" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== compile examples/c/plan_volumes.c"
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 \
    -I "$here/include" "$here/examples/c/plan_volumes.c" \
    "$lib_dir/libgluster_placement_ffi.a" -lpthread -ldl -lm \
    -o "$work/plan_volumes"

echo "== C example"
"$work/plan_volumes" "$topology"

echo "== Python example"
"$python" "$here/examples/python/plan_volumes.py" "$topology" "$lib_dir/libgluster_placement_ffi.so"

if [[ -z "${GP_NO_VALGRIND:-}" ]]; then
    echo "== valgrind C example"
    # Leaks of kind definite or indirect and every invalid access fail the run (exit 99).
    # "Still reachable" blocks are the Rust runtime's process-lifetime allocations.
    # The timing loop is cut short: under valgrind its figures mean nothing.
    GP_TIMING_ITERATIONS=20 valgrind --quiet --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$work/plan_volumes" "$topology" >"$work/valgrind.out"
    echo "valgrind: no errors, no leaks"
fi
echo "== all examples passed"
