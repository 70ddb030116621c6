#!/usr/bin/env bash
# banger's main job, end to end on this machine: install what is missing, build banger, start the
# daemon on a temporary state directory with its network in a fresh namespace, build a small
# busybox image, import Debian's cloud kernel, run a VM, show its console saying it booted and its
# address answering ping; then run a container image's own command (container mode: banger's init
# runs the image's Cmd) and show its output and exit code; then stop and remove everything it
# created (namespace included).
# Each step prints its time; the total comes last.
#
# Environment: BANGER_DEMO_KERNEL_DEB=FILE uses that linux-image-*-cloud-amd64 .deb instead of
# downloading one with apt (Ubuntu has no such package: fetch one from Debian's archive).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

# Step timing: begin NAME … end prints the step's own duration; the summary lists them all.
step_names=()
step_ms=()
step_t0=0
begin() {
  step "$*"
  step_names+=("$*")
  step_t0=$(date +%s%N)
}
end() {
  local ms=$(( ($(date +%s%N) - step_t0) / 1000000 ))
  step_ms+=("$ms")
  printf '         … %s ms\n' "$ms"
}

begin "checking prerequisites"
ensure_packages maven:mvn e2fsprogs:mke2fs iproute2:ip util-linux:losetup nftables:nft \
  qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox iputils-ping:ping musl-tools:musl-gcc \
  umoci:umoci
ensure_jdk
end

begin "building banger with $JAVA_HOME"
build_banger "$root"
end

banger=$root/bin/banger
work=$(mktemp -d /tmp/banger-demo.XXXXXX)
netns=banger-demo-$$
daemon_pid=
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    # Whatever failed, leave no VM behind: remove them while the daemon still owns them.
    "$banger" rm -f demo hello >/dev/null 2>&1 || true
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
  fi
  ip netns del "$netns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

begin "finding Debian's cloud kernel package"
deb=${BANGER_DEMO_KERNEL_DEB:-}
if [[ -z "$deb" ]]; then
  cache=$root/target/kernel-debs
  mkdir -p "$cache"
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}' || true)
  if [[ -z "$pkg" ]]; then
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}' || true)
  fi
  [[ -n "$pkg" ]] || die "apt has no linux-image-cloud-amd64 here (not Debian?); set BANGER_DEMO_KERNEL_DEB to a linux-image-*-cloud-amd64 .deb from Debian's archive"
  deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
  if [[ -z "$deb" ]]; then
    (cd "$cache" && apt-get download -qq "$pkg") || die "apt-get download $pkg failed"
    deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
  fi
fi
[[ -f "$deb" ]] || die "no kernel package at $deb"
echo "kernel package: $deb"
end

begin "starting the daemon in network namespace $netns (state in $work/state)"
ip netns add "$netns"
ip -n "$netns" link set lo up
export BANGER_STATE_DIR=$work/state BANGER_SOCKET=$work/banger.sock BANGER_CONFIG=$work/config.json BANGER_NETNS=$netns
echo '{}' > "$BANGER_CONFIG"
"$banger" daemon 2> "$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 1 150); do
  [[ -S "$BANGER_SOCKET" ]] && "$banger" version >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log"; die "the daemon exited"; }
  sleep 0.2
done
"$banger" version
end

begin "banger doctor"
"$banger" doctor || die "banger doctor: no VMM can run VMs on this host"
end

begin "building a busybox root filesystem tarball"
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,etc/init.d,proc,sys,dev,tmp,root}
cp /bin/busybox "$rootfs/bin/busybox"
# One symlink per applet, made by busybox's own ln in one process per batch.
# shellcheck disable=SC2016 # $a expands in the inner shell
(cd "$rootfs/bin" && /bin/busybox --list | grep -vx busybox | xargs /bin/busybox sh -c 'for a; do ln -s busybox "$a"; done' sh)
ln -s ../bin/busybox "$rootfs/sbin/init"
# busybox init: rcS says hello on the console; Ctrl-Alt-Del (banger stop) powers off.
cat > "$rootfs/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::ctrlaltdel:/bin/poweroff
::shutdown:/bin/echo "banger-demo: shutting down"
EOF
cat > "$rootfs/etc/init.d/rcS" <<'EOF'
#!/bin/sh
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
[ -s /etc/hostname ] && hostname -F /etc/hostname
echo "banger-demo: init reached on $(hostname), eth0 $(ip -4 -o addr show eth0 | awk '{print $4}')"
EOF
chmod 0755 "$rootfs/etc/init.d/rcS"
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -czf "$work/busybox-rootfs.tar.gz" .
ls -l "$work/busybox-rootfs.tar.gz"
end

begin "banger image import busybox-rootfs.tar.gz --name busybox"
"$banger" image import "$work/busybox-rootfs.tar.gz" --name busybox
end

begin "banger kernel import --from-deb $(basename "$deb") --name cloud --default"
"$banger" kernel import --from-deb "$deb" --name cloud --default
end

begin "banger run busybox --name demo"
"$banger" run busybox --name demo
"$banger" ls
end

begin "waiting for the guest's init on the console (banger logs demo)"
booted=
for _ in $(seq 1 600); do
  if "$banger" logs demo 2>/dev/null | grep -q 'banger-demo: init reached'; then
    booted=yes
    break
  fi
  sleep 0.2
done
"$banger" logs demo | grep -E 'banger-initrd:|banger-demo:' || true
[[ -n "$booted" ]] || { "$banger" logs demo | tail -n 30; die "the guest did not reach its init within 120 s"; }
end

begin "ping the guest from the host side of the bridge"
ip=$("$banger" ls --json | grep -o '"ip" *: *"[0-9.]*"' | head -n 1 | grep -o '[0-9.]*"$' | tr -d '"')
[[ -n "$ip" ]] || die "banger ls shows no IP for demo"
ip netns exec "$netns" ping -c 3 -W 3 "$ip"
end

begin "a container image running its own command: banger run -a --rm hello"
# The same busybox tree as an OCI image (umoci), whose config names the process to run. No
# /sbin/init is needed: banger's init runs the Cmd with the image's Env, prints its output on the
# console (banger run -a streams it) and reports its exit code.
layout=$work/hello-oci
umoci init --layout "$layout"
umoci new --image "$layout:latest"
rm "$rootfs/sbin/init"
tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$work/hello-layer.tar" .
umoci raw add-layer --image "$layout:latest" "$work/hello-layer.tar"
# shellcheck disable=SC2016 # expanded by the guest's shell
umoci config --image "$layout:latest" --config.env GREETING=hello --config.cmd /bin/sh --config.cmd -c \
  --config.cmd 'echo "banger-demo: $GREETING from $(hostname), a container image running its own command"; exit 3'
"$banger" image import "$layout" --name hello
set +e
"$banger" run -a --rm hello --name hello --net none
code=$?
set -e
echo "exit code: $code"
[[ $code -eq 3 ]] || die "the container's process should have exited with 3, not $code"
end

begin "banger stop demo"
"$banger" stop demo
"$banger" logs demo | grep 'banger-demo: shutting down' || true
end

begin "banger rm demo; image rm; kernel rm"
"$banger" rm demo
"$banger" image rm busybox hello
"$banger" kernel rm cloud
"$banger" ls -a
end

begin "stopping the daemon and removing the namespace"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
[[ -e "$BANGER_SOCKET" ]] && die "the daemon left its socket behind"
ip netns del "$netns"
if losetup -l -n -O BACK-FILE | grep -q "$work"; then
  die "a loop device still points into $work"
fi
end

step "done"
printf '\n%-75s %8s\n' "step" "ms"
total=0
for i in "${!step_names[@]}"; do
  printf '%-75s %8s\n' "${step_names[$i]}" "${step_ms[$i]}"
  total=$((total + step_ms[i]))
done
printf '%-75s %8s\n' "total" "$total"
