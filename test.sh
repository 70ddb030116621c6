#!/usr/bin/env bash
# Builds banger and runs every check: lint (compiler warnings as errors, Error Prone, shellcheck),
# unit tests and integration tests. Installs what the tests need on Debian/Ubuntu (needs root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

step "checking prerequisites"
ensure_packages maven:mvn e2fsprogs:mke2fs iproute2:ip util-linux:losetup shellcheck:shellcheck
ensure_jdk
export JAVA_HOME

step "lint"
"$root/scripts/lint.sh"

step "unit and integration tests"
cd "$root"
mvn -B verify
step "all tests passed"
