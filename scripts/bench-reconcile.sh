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
cd "$root"
mvn -B -q -DskipTests package test-compile
cp=$(mktemp)
trap 'rm -f "$cp"' EXIT
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp"
classpath="$root/target/test-classes:$root/target/classes:$(cat "$cp")"
"$JAVA_HOME/bin/java" -Dbanger.home="$root" -Dsurefire.test.class.path="$classpath" -cp "$classpath" \
  dev.banger.bench.ReconcileBench "${1:-1000}" "${2:-50}"
