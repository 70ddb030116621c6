#!/usr/bin/env bash
# Benchmark: the daemon's RSS, threads and idle CPU (from /proc) with 0, 10, 25 and 50 VMs running
# on the Firecracker stand-in, each next to the same daemon's figure with no VM.
# Usage: scripts/bench-density.sh [MAX_VMS] [WINDOW_SECONDS]   (defaults 50 and 30; needs root: it
# creates a network namespace for the daemon's bridge and taps)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
run_test_main "$root" dev.banger.bench.DensityBench "${1:-50}" "${2:-30}"
