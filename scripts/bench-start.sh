#!/usr/bin/env bash
# Benchmark: control-plane overhead of `banger start` against the Firecracker stand-in (start wall
# time minus the stand-in's own start-up, both measured in this run), and N VMs started at once.
# Usage: scripts/bench-start.sh [RUNS] [PARALLEL]   (defaults 10 and 20; needs root: it creates a
# network namespace for the daemon's bridge and taps)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
run_test_main "$root" dev.banger.bench.StartBench "${1:-10}" "${2:-20}"
