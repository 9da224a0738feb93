#!/usr/bin/env bash
# Proof on a real GlusterFS pool: runs tests/real_pool.rs (root; glusterfs-server, xfsprogs,
# /dev/fuse), then checks that the machine holds nothing of the pool any more.
# Called by .ci/run; run it by hand the same way: gluster-exec/testpool/tests/real-pool.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "$(id -u)" -ne 0 ]; then
  echo "real-pool.sh: must run as root (network namespaces, loop devices, mounts)" >&2
  exit 1
fi
daemons() { pgrep '^gluster' | sort || true; }  # glusterd, glusterfsd, glusterfs
before=$(daemons)

# The service test (Heketi's Python client -> gluster-plan serve -> ssh) runs the binary.
cargo build -p gluster-plan --bin gluster-plan
export GLUSTER_PLAN_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/gluster-plan"
cargo test -p gluster-testpool --test real_pool -- --test-threads=1 --nocapture

left=0
report() { # what, output
  if [ -n "$2" ]; then printf 'LEFT BEHIND (%s):\n%s\n' "$1" "$2"; left=1; fi
}
report "network namespaces" "$(ip netns list | grep '^gtp' || true)"
report "links" "$(ip -o link show | grep -E '^[0-9]+: gtp' || true)"
report "loop devices" "$(losetup -a | grep gluster-testpool || true)"
report "mounts" "$(grep -E 'gluster-testpool|fuse.glusterfs' /proc/self/mountinfo || true)"
report "state directory" "$(ls -A /tmp/gluster-testpool 2>/dev/null || true)"
# Killed daemons may linger as zombies until init reaps them: give it a few seconds.
for _ in $(seq 50); do
  [ "$(comm -13 <(echo "$before") <(daemons))" = "" ] && break
  sleep 0.2
done
new=$(comm -13 <(echo "$before") <(daemons))
report "gluster processes" "$( [ -n "$new" ] && ps -o pid,stat,args -p "$(echo $new | tr ' ' ,)" || true)"
if [ "$left" -ne 0 ]; then
  echo "real-pool.sh: the test pool left things behind" >&2
  exit 1
fi
echo "real-pool.sh: nothing left behind (namespaces, links, loop devices, mounts, processes)"
