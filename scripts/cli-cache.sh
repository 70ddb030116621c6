#!/usr/bin/env bash
# Build step (mvn package, after the jar): makes the CLI start fast (issue 17).
# 1. Rewrites the pre-Java-6 class files of the CLI's libraries (picocli ships Java 5 classes) as
#    version 52 (build-tools/ModernClassFiles.java, needs Java 24+'s java.lang.classfile): the
#    JDK's AOT cache and class-data sharing skip pre-50 classes, and picocli is most of what the
#    CLI loads.
# 2. On Java 25+, trains the CLI's AOT cache next to the jar (target/banger-cli.aot) through the
#    launcher, so the cache and later CLI calls use the same JVM options and class path.
# Usage: scripts/cli-cache.sh JAVA
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java=$1
major=$("$java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
if [[ -z "$major" || "$major" -lt 24 ]]; then
  echo "cli-cache: build JDK is ${major:-unknown} (< 24): picocli stays Java 5 classes and the CLI uses CDS alone"
  exit 0
fi
"$java" "$root/build-tools/ModernClassFiles.java" "$root"/target/lib/picocli-*.jar
if [[ "$major" -ge 25 ]]; then
  BANGER_JAVA=$java BANGER_BUILD_CLI_CACHE=1 "$root/bin/banger"
  echo "cli-cache: trained target/banger-cli.aot"
fi
