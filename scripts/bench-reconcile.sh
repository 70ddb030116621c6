#!/usr/bin/env bash
# Benchmark: start-up reconcile with many VM rows (some running on the Firecracker stand-in)
# next to the time to open the database and read all rows, measured in the same run.
# Usage: scripts/bench-reconcile.sh [ROWS] [RUNNING]   (defaults 1000 and 50; needs root: it creates a
# network namespace for the daemon's bridge and taps)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
run_test_main "$root" dev.banger.bench.ReconcileBench "${1:-1000}" "${2:-50}"
