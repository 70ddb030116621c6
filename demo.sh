#!/usr/bin/env bash
# banger's main job, end to end on this machine: install what is missing, build, start the daemon
# on a temporary state directory, show what the host offers (`banger doctor`) and the VM list,
# then stop and remove everything it created.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

step "checking prerequisites"
ensure_packages maven:mvn e2fsprogs:mke2fs iproute2:ip util-linux:losetup
ensure_jdk
step "building banger with $JAVA_HOME"
build_banger "$root"

work=$(mktemp -d /tmp/banger-demo.XXXXXX)
# The daemon's bridge, taps and NAT go into a namespace of the demo's own, removed at the end.
netns=banger-demo-$$
daemon_pid=
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
  fi
  ip netns del "$netns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$netns"
ip -n "$netns" link set lo up

export BANGER_STATE_DIR=$work/state BANGER_SOCKET=$work/banger.sock BANGER_CONFIG=$work/config.json BANGER_NETNS=$netns
echo '{}' > "$BANGER_CONFIG"
step "starting the daemon (state in $BANGER_STATE_DIR)"
"$root/bin/banger" daemon 2> "$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 1 100); do
  [[ -S "$BANGER_SOCKET" ]] && "$root/bin/banger" version >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log"; die "the daemon exited"; }
  sleep 0.2
done
"$root/bin/banger" version

step "banger doctor"
"$root/bin/banger" doctor || echo "(doctor: no VMM can run VMs on this host yet)"

step "banger ls"
"$root/bin/banger" ls -a

step "stopping the daemon"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
[[ -e "$BANGER_SOCKET" ]] && die "the daemon left its socket behind"
step "done"
