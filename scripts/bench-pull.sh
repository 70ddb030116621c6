#!/usr/bin/env bash
# Benchmark: registry pulls (downloads into the blob cache) from docker-registry on 127.0.0.1, a
# three-layer image and then a second sharing two of its layers, next to `skopeo copy` of the same
# images in the same run.
# Usage: scripts/bench-pull.sh [MIB_PER_LAYER] [ROUNDS]   (defaults 32 and 3; needs docker-registry
# and skopeo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_jdk
ensure_packages docker-registry skopeo
run_test_main "$root" dev.banger.bench.PullBench "${1:-32}" "${2:-3}"
