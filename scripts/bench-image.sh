#!/bin/bash
# Import throughput benchmark (issue 3). Builds a ~750 MiB, three-layer OCI image from this
# machine's /usr/bin and /usr/share with umoci, then times, in one run:
#   baseline: umoci unpack + mke2fs -d
#   limit:    tar -x of the three layers into a mounted ext4
#   banger mount builder, banger offline builder
# and prints MiB/s of uncompressed content. Needs root, umoci, e2fsprogs and `mvn package` first.
# Usage: scripts/bench-image.sh [workdir]   (default /var/tmp/banger-bench; reused if present)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# The JDK as the other benches find it ($JAVA_HOME, Temurin 25, any JDK 21+), never a stray java on PATH.
ensure_jdk
work=${1:-/var/tmp/banger-bench}
mkdir -p "$work"
layout=$work/layout
cp="target/classes:target/test-classes:target/lib/*"
java=$JAVA_HOME/bin/java

if [ ! -d "$layout" ]; then
  echo "building the image in $layout" >&2
  umoci init --layout "$layout"
  umoci new --image "$layout:bench"
  # layer 1: /usr/bin; layers 2 and 3: /usr/share directories, ~200 MiB each
  tar -C / -cf "$work/l1.tar" usr/bin
  mapfile -t dirs < <(cd / && du -s --apparent-size --block-size=1M usr/share/* | sort -k2 | awk '{print $1" "$2}')
  l2=(); l3=(); sum=0
  for entry in "${dirs[@]}"; do
    size=${entry%% *}; dir=${entry#* }
    if [ $sum -lt 200 ]; then l2+=("$dir"); elif [ $sum -lt 400 ]; then l3+=("$dir"); else break; fi
    sum=$((sum + size))
  done
  tar -C / -cf "$work/l2.tar" "${l2[@]}"
  tar -C / -cf "$work/l3.tar" "${l3[@]}"
  for l in l1 l2 l3; do umoci raw add-layer --image "$layout:bench" "$work/$l.tar"; rm "$work/$l.tar"; done
fi

cleanup() { mountpoint -q "$work/mnt" && umount "$work/mnt"; rm -rf "$work/bundle" "$work/limit.ext4" "$work/base.ext4" "$work/state-"*; }
trap cleanup EXIT
cleanup
sync; echo 3 > /proc/sys/vm/drop_caches || true

now() { date +%s.%N; }
blobs=$(cd "$layout" && jq -r '.layers[].digest' "blobs/sha256/$(jq -r '.manifests[0].digest' index.json | cut -d: -f2)" | cut -d: -f2)

# baseline: umoci unpack + mke2fs -d
t0=$(now)
umoci unpack --image "$layout:bench" "$work/bundle" >/dev/null
content=$(du -s --apparent-size --block-size=1 "$work/bundle/rootfs" | cut -f1)
files=$(find "$work/bundle/rootfs" | wc -l)
size=$(( content * 13 / 10 / 1048576 + 128 ))M
mke2fs -q -F -t ext4 -d "$work/bundle/rootfs" "$work/base.ext4" "$size"
t1=$(now); baseline=$(echo "$t1 - $t0" | bc)
rm -rf "$work/bundle" "$work/base.ext4"

# limit: tar -x of the layers into a mounted ext4
t0=$(now)
truncate -s "$size" "$work/limit.ext4"; mke2fs -q -F -t ext4 "$work/limit.ext4"
mkdir -p "$work/mnt"; mount -o loop,nodev,nosuid,noexec "$work/limit.ext4" "$work/mnt"
for b in $blobs; do tar -C "$work/mnt" -xzf "$layout/blobs/sha256/$b"; done
umount "$work/mnt"
t1=$(now); limit=$(echo "$t1 - $t0" | bc)
rm -f "$work/limit.ext4"

run() { "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.banger.image.ImageBench "$layout" "$work/state-$1" "$1" | sed -n 's/seconds=\([0-9.]*\).*/\1/p'; }
mount_s=$(run mount)
offline_s=$(run offline)

mib=$(echo "scale=1; $content / 1048576" | bc)
rate() { echo "scale=1; $mib / $1" | bc; }
printf 'content: %s MiB in %s files, 3 layers (gzip)\n' "$mib" "$files"
printf '%-34s %8s s %8s MiB/s\n' "baseline (umoci unpack + mke2fs -d)" "$baseline" "$(rate "$baseline")"
printf '%-34s %8s s %8s MiB/s\n' "limit (tar -x into mounted ext4)" "$limit" "$(rate "$limit")"
printf '%-34s %8s s %8s MiB/s\n' "banger mount builder" "$mount_s" "$(rate "$mount_s")"
printf '%-34s %8s s %8s MiB/s\n' "banger offline builder" "$offline_s" "$(rate "$offline_s")"
printf 'mount vs baseline: %sx; mount vs limit: %sx slower; offline vs baseline: %sx\n' \
  "$(echo "scale=2; $baseline / $mount_s" | bc)" "$(echo "scale=2; $mount_s / $limit" | bc)" \
  "$(echo "scale=2; $baseline / $offline_s" | bc)"
printf 'ratio: mount builder vs tar -x into a mounted ext4: %sx (%s s / %s s)\n' "$(echo "scale=2; $mount_s / $limit" | bc)" "$mount_s" "$limit"
printf 'ratio: offline builder speed-up over umoci + mke2fs -d: %sx (%s s / %s s)\n' "$(echo "scale=2; $baseline / $offline_s" | bc)" "$baseline" "$offline_s"
