#!/usr/bin/env bash
# Benchmark: boot to first output, container mode (banger's init runs `sh -c 'echo MARKER'`)
# against image mode (the image's /sbin/init echoes it), same kernel, same busybox image, QEMU
# (software emulation without a usable /dev/kvm). Prints both medians and the daemon's step times.
# Usage: scripts/bench-container.sh [RUNS]   (default 5; needs root, qemu-system-x86, busybox-static,
# musl-tools and apt access to Debian's linux-image-cloud-amd64; the daemon's network is in its own namespace)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_packages qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox musl-tools:musl-gcc
ensure_jdk
run_test_main "$root" dev.banger.bench.ContainerBootBench "${1:-5}"
