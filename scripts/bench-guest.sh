#!/usr/bin/env bash
# Benchmark: time from `banger start` to the guest's init marker on the console (a real guest:
# busybox image, Debian's cloud kernel, QEMU — software emulation without /dev/kvm), next to the
# same QEMU command line run by hand in the same run. The difference is banger's overhead.
# Usage: scripts/bench-guest.sh [RUNS]   (default 5; needs root, qemu-system-x86, busybox-static
# and apt access to Debian's linux-image-cloud-amd64; the daemon's network is in its own namespace)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_packages qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox
ensure_jdk
run_test_main "$root" dev.banger.bench.GuestStartBench "${1:-5}"
