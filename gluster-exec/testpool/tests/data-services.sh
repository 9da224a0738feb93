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

# Other engineers' pools may run at the same time: leave out every run whose owner (the
# pid and start time in its owner file) is alive; each test checks its own run as well.
alive=()
for dir in /tmp/gluster-testpool/gtp*; do
  [ -f "$dir/owner" ] || continue
  read -r pid start < "$dir/owner" || continue
  now=$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null || true)
  [ -n "$now" ] && [ "$now" = "$start" ] && alive+=("$(basename "$dir")")
done
others() { # drop lines of live runs
  local text; text=$(cat)
  for run in "${alive[@]}"; do
    text=$(printf '%s\n' "$text" | grep -v -e "$run-" -e "/$run" -e "198\.18\.${run#gtp}\." -e "^$run\$" || true)
  done
  printf '%s' "$text"
}
left=0
report() { # what, output
  if [ -n "$2" ]; then printf 'LEFT BEHIND (%s):\n%s\n' "$1" "$2"; left=1; fi
}
report "network namespaces" "$(ip netns list | grep '^gtp' | others || true)"
report "links" "$(ip -o link show 2>/dev/null | grep -E '^[0-9]+: gtp' | others || true)"
report "loop devices" "$(losetup -a | grep gluster-testpool | others || true)"
report "mounts" "$(grep -E 'gluster-testpool|fuse.glusterfs' /proc/self/mountinfo | others || true)"
report "state directory" "$(ls -A /tmp/gluster-testpool 2>/dev/null | others || true)"
# Killed daemons may linger as zombies until init reaps them: give it a few seconds.
mine() { comm -13 <(echo "$before") <(daemons) | while read -r p; do
  ns=$(ip netns identify "$p" 2>/dev/null || true)
  ps -o pid=,stat=,args= -p "$p" 2>/dev/null | sed "s|\$| netns=$ns|" | others; done; }
for _ in $(seq 50); do
  [ -z "$(mine)" ] && break
  sleep 0.2
done
report "gluster processes" "$(mine)"
if [ "$left" -ne 0 ]; then
  echo "data-services.sh: the test pool left things behind" >&2
  exit 1
fi
echo "data-services.sh: nothing left behind (namespaces, links, loop devices, mounts, processes)"
