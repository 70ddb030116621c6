#!/usr/bin/env bash
# Builds banger-init, banger's PID 1 for container-mode VMs (src/main/c/init), as a static x86-64
# binary: with musl-gcc (Debian's musl-tools, ~70 KiB) when present, else gcc -static (glibc,
# ~800 KiB). Run by the Maven build (process-resources); writes target/banger-init and the copy
# the jar carries, target/classes/dev/banger/guest/banger-init.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$root/src/main/c/init
out=$root/target/banger-init
resource=$root/target/classes/dev/banger/guest/banger-init
mkdir -p "$(dirname "$out")" "$(dirname "$resource")"
if command -v musl-gcc >/dev/null 2>&1; then
  cc=(musl-gcc)
elif command -v gcc >/dev/null 2>&1; then
  echo "build-init: musl-gcc not found (apt-get install musl-tools); using gcc -static" >&2
  cc=(gcc)
else
  echo "build-init: neither musl-gcc nor gcc found; install musl-tools (or gcc)" >&2
  exit 1
fi
"${cc[@]}" -static -Os -s -std=gnu11 -Wall -Wextra -Werror -fno-strict-aliasing -o "$out.tmp" "$src"/*.c
mv "$out.tmp" "$out"
cp "$out" "$resource.tmp"
mv "$resource.tmp" "$resource"
