#!/usr/bin/env bash
# Runs every benchmark (scripts/bench-*.sh) and prints one table of the ratios they report: each
# bench prints lines "ratio: WHAT: VALUEx (MEASURED / BASELINE)", both measured in its own run.
# Usage: scripts/bench-all.sh [NAME...]   (default: all; e.g. `scripts/bench-all.sh cli reconcile`;
# needs root like the benches; full logs in /tmp/banger-bench-all.*)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  names=(cli start reconcile density image pull guest container agent)
fi
logs=$(mktemp -d /tmp/banger-bench-all.XXXXXX)
declare -A status
for name in "${names[@]}"; do
  script=$root/scripts/bench-$name.sh
  [[ -x "$script" ]] || { echo "bench-all: no benchmark scripts/bench-$name.sh" >&2; exit 2; }
  echo "== bench-$name (log: $logs/$name.log)"
  if "$script" > "$logs/$name.log" 2>&1; then status[$name]=ok; else status[$name]="FAILED ($?)"; fi
  grep '^ratio: ' "$logs/$name.log" || true
done
echo
printf '%-10s %-58s %10s  %s\n' "bench" "what" "ratio" "measured / baseline (same run)"
for name in "${names[@]}"; do
  found=0
  while IFS= read -r line; do
    found=1
    rest=${line#ratio: }
    what=${rest%%: *}
    rest=${rest#*: }
    printf '%-10s %-58s %10s  %s\n' "$name" "$what" "${rest%% *}" "${rest#* }"
  done < <(grep '^ratio: ' "$logs/$name.log" || true)
  [[ $found -eq 1 ]] || printf '%-10s %-58s %10s  %s\n' "$name" "(no ratio reported)" "-" "${status[$name]}; see $logs/$name.log"
  [[ "${status[$name]}" == ok ]] || [[ $found -eq 0 ]] || printf '%-10s %-58s %10s  %s\n' "$name" "(bench failed)" "-" "${status[$name]}"
done
