#!/usr/bin/env bash
# Benchmark: saved state (issue 16): start of a suspended guest to its next console line against a
# cold boot of the same guest and against the same restore run by hand, the suspend itself, and
# CLONES clones of one snapshot started one after another and all at once (per-clone time, their
# memory together), with the load average (512 MiB busybox guest, QEMU).
# Usage: scripts/bench-suspend.sh [RUNS [CLONES]]   (default 3 and 10; needs root, qemu-system-x86, busybox-static,
# musl-tools and apt access to Debian's linux-image-cloud-amd64; the daemon's network is in its own namespace)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_packages qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox musl-tools:musl-gcc
ensure_jdk
run_test_main "$root" dev.banger.bench.SavedStateBench "${1:-3}" "${2:-10}"
