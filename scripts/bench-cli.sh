#!/usr/bin/env bash
# Benchmark: CLI start-up (issue 17). Median wall time of ls, inspect, start, stop and exec
# through the launcher against a daemon on the Firecracker stand-in, each next to the JVM floor
# (`java -version`, same runtime) and the same API call by curl, all measured in this run.
# Usage: scripts/bench-cli.sh [RUNS]   (default 20; needs root: the daemon's bridge and taps go
# into a network namespace of the bench's own)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
ensure_packages curl:curl
run_test_main "$root" dev.banger.bench.CliBench "${1:-20}"
