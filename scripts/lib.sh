#!/usr/bin/env bash
# Shared helpers for banger's scripts: find or install what a build needs on Debian/Ubuntu.
# Sourced, not run.

# Prints a step with a timestamp relative to the script's start.
BANGER_T0=${BANGER_T0:-$(date +%s%N)}
step() {
  local now elapsed
  now=$(date +%s%N)
  elapsed=$(( (now - BANGER_T0) / 1000000 ))
  printf '[%6.1fs] %s\n' "$(awk -v ms="$elapsed" 'BEGIN { printf "%.1f", ms / 1000 }')" "$*"
}

die() {
  echo "error: $*" >&2
  exit 1
}

apt_updated=0
# Installs the Debian packages among "$@" whose command or file is missing.
# Each argument is "package:probe", where probe is a command name or an absolute path.
ensure_packages() {
  local wanted=() item pkg probe
  for item in "$@"; do
    pkg=${item%%:*}
    probe=${item#*:}
    if [[ "$probe" == /* ]]; then
      [[ -e "$probe" ]] && continue
    else
      command -v "$probe" >/dev/null 2>&1 && continue
    fi
    wanted+=("$pkg")
  done
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  apt_install "${wanted[@]}"
}

apt_install() {
  [[ $(id -u) -eq 0 ]] || die "need root to install: $* (run with sudo)"
  if [[ $apt_updated -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  echo "installing: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

use_jdk() {
  export JAVA_HOME=$1
  # Maven 3.8's own Guava trips JDK 24+'s sun.misc.Unsafe warning; it is harmless noise.
  if [[ "$2" -ge 24 && "${MAVEN_OPTS:-}" != *sun-misc-unsafe* ]]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
}

# Sets JAVA_HOME to a JDK 21 or newer, installing one from apt when none is found.
ensure_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -n "$candidate" && -x "$candidate/bin/javac" ]] || continue
    major=$(java_major "$candidate/bin/java")
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      use_jdk "$candidate" "$major"
      return 0
    fi
  done
  # Debian 13 and Ubuntu 24.04 ship JDK 21+; Debian 12 does not (bring Temurin there).
  local pkg
  [[ $apt_updated -eq 1 ]] || { apt-get update -qq && apt_updated=1; }
  for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
    if apt-cache show "$pkg" >/dev/null 2>&1; then
      apt_install "$pkg"
      break
    fi
  done
  for candidate in /usr/lib/jvm/*; do
    [[ -x "$candidate/bin/javac" ]] || continue
    major=$(java_major "$candidate/bin/java")
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      use_jdk "$candidate" "$major"
      return 0
    fi
  done
  die "banger needs a JDK 21 or newer to build and none could be installed from apt; install one (e.g. Temurin 21) and set JAVA_HOME"
}

# Builds the jar and its runtime class path (target/banger.jar, target/lib/).
build_banger() {
  local root=$1
  shift
  (cd "$root" && mvn -B -q -DskipTests "$@" package) || die "build failed"
}

# Runs a main class from the test classes (benchmarks drive the real daemon with test helpers
# such as the Firecracker stand-in). Builds first.
run_test_main() {
  local root=$1 main=$2 cp
  shift 2
  (cd "$root" && mvn -B -q -DskipTests package test-compile) || die "build failed"
  cp=$(mktemp)
  (cd "$root" && mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp") || die "no class path"
  local classpath
  classpath="$root/target/test-classes:$root/target/classes:$(cat "$cp")"
  rm -f "$cp"
  "$JAVA_HOME/bin/java" -Dbanger.home="$root" -Dsurefire.test.class.path="$classpath" -cp "$classpath" "$main" "$@"
}
