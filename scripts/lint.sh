#!/usr/bin/env bash
# Lint: javac with -Xlint:all -Werror plus Error Prone (configured in pom.xml) over main and test
# code, and shellcheck over every shell script in the repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mapfile -t scripts < <(git ls-files -z 2>/dev/null | xargs -0 -r grep -lE '^#!/usr/bin/env bash|^#!/bin/(ba)?sh' 2>/dev/null || true)
if [[ ${#scripts[@]} -eq 0 ]]; then
  mapfile -t scripts < <(grep -rlE '^#!/usr/bin/env bash|^#!/bin/(ba)?sh' --exclude-dir=target --exclude-dir=.git . || true)
fi
echo "shellcheck: ${#scripts[@]} scripts"
shellcheck -x "${scripts[@]}"
echo "javac -Xlint:all -Werror + Error Prone"
mvn -B -q -DskipTests test-compile
echo "lint ok"
