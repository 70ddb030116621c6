#!/usr/bin/env bash
# Benchmark: banger's guest agent against ssh into the same guest (a container-mode VM whose
# command runs dropbear): `banger exec NAME -- true` round trip, and `banger cp` of 100 MiB both
# ways, each with and without --ssh, alternating. Prints medians and agent/ssh ratios (goal <= 0.5).
# Usage: scripts/bench-agent.sh [RUNS]   (default 5 exec runs, 3 copies; needs root, qemu-system-x86,
# busybox-static, dropbear-bin, openssh-client, musl-tools and apt access to Debian's
# linux-image-cloud-amd64; the daemon's network is in its own namespace)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
ensure_packages qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox musl-tools:musl-gcc \
  dropbear-bin:/usr/sbin/dropbear openssh-client:ssh
ensure_jdk
run_test_main "$root" dev.banger.bench.AgentBench "${1:-5}"
