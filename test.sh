#!/usr/bin/env bash
# Builds banger and runs every check: lint (compiler warnings as errors, Error Prone, shellcheck),
# unit tests and integration tests. Installs what the tests need on Debian/Ubuntu (needs root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

step "checking prerequisites"
# Build and lint; then what the integration tests drive for real: image tools and a registry,
# nftables inside test namespaces, busybox and QEMU for real guests, the ssh client
# (banger ssh/exec/cp) and dropbear for the ssh guest image.
ensure_packages maven:mvn e2fsprogs:mke2fs iproute2:ip util-linux:losetup shellcheck:shellcheck \
  umoci:umoci skopeo:skopeo docker-registry:docker-registry nftables:nft \
  busybox-static:/bin/busybox qemu-system-x86:qemu-system-x86_64 python3:python3 iputils-ping:ping \
  openssh-client:ssh dropbear-bin:/usr/sbin/dropbear tar:tar curl:curl musl-tools:musl-gcc mmdebstrap:mmdebstrap \
  prometheus:promtool genisoimage:genisoimage
ensure_jdk
export JAVA_HOME

step "lint"
"$root/scripts/lint.sh"

step "unit and integration tests"
cd "$root"
mvn -B verify
step "all tests passed"
