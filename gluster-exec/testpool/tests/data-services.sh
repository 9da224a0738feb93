#!/usr/bin/env bash
# Data services on a real GlusterFS pool: runs tests/data_services.rs (root; glusterfs-server,
# xfsprogs, /dev/fuse), one test at a time, then checks that nothing of the pools is left.
# Run by hand: gluster-exec/testpool/tests/data-services.sh [TEST-NAME-FILTER]
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "$(id -u)" -ne 0 ]; then
  echo "data-services.sh: must run as root (network namespaces, loop devices, mounts)" >&2
  exit 1
fi
daemons() { pgrep '^gluster' | sort || true; }  # glusterd, glusterfsd, glusterfs
before=$(daemons)

cargo test -p gluster-testpool --test data_services -- --test-threads=1 --nocapture "$@"

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
  echo "data-services.sh: the test pool left things behind" >&2
  exit 1
fi
echo "data-services.sh: nothing left behind (namespaces, links, loop devices, mounts, processes)"
