#!/usr/bin/env bash
# Benchmark: median wall time of `banger ls --json` against a running daemon, next to the JVM
# floor (`java -version` with the same runtime) measured in the same run, and their ratio.
# Usage: scripts/bench-cli.sh [RUNS]   (default 30; build first with mvn package)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-30}
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
java=$JAVA_HOME/bin/java
[[ -f "$root/target/banger.jar" ]] || die "target/banger.jar is missing; run mvn package first"

work=$(mktemp -d /tmp/banger-bench.XXXXXX)
# The daemon's bridge and NAT go into a namespace of the bench's own, never the host's.
netns=banger-bench-$$
daemon_pid=
cleanup() {
  if [[ -n "$daemon_pid" ]]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  ip netns del "$netns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$netns"
export BANGER_STATE_DIR=$work/state BANGER_SOCKET=$work/banger.sock BANGER_CONFIG=$work/config.json \
  BANGER_CACHE_DIR=$work/cache BANGER_JAVA=$java BANGER_NETNS=$netns
echo '{}' > "$BANGER_CONFIG"
"$root/bin/banger" daemon 2> "$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 1 150); do
  "$root/bin/banger" ls --json >/dev/null 2>&1 && break
  sleep 0.2
done

# median_ms CMD...: runs CMD $runs times (after 3 warm-ups) and prints the median in ms.
median_ms() {
  local i start end samples=()
  for i in 1 2 3; do "$@" >/dev/null 2>&1; done
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

floor=$(median_ms "$java" -version)
ls_ms=$(median_ms "$root/bin/banger" ls --json)
echo "runs per command:          $runs"
echo "java -version (JVM floor): ${floor} ms"
echo "banger ls --json:          ${ls_ms} ms"
awk -v a="$ls_ms" -v b="$floor" 'BEGIN { printf "ratio ls/floor:            %.2fx\n", a / b }'
