#!/bin/sh
# /init of banger's initrd (built by dev.banger.kernel.InitrdBuilder; busybox sh).
#
# Why it exists: Debian's cloud kernel builds its virtio drivers as modules, so without an initrd
# it cannot see the microVM's disk or network; and it lacks CONFIG_IP_PNP, so it ignores the ip=
# argument banger puts on the command line. This script loads the modules, configures eth0 from
# ip=, mounts the root disk and hands over to the image's init. A fatal error ends the script,
# which panics the kernel; with panic=N / -no-reboot the VM then exits instead of hanging.
export PATH=/bin:/sbin
# Nothing here needs file name globbing; a stray * on the kernel command line must stay a *.
set -f

fail() {
  echo "banger-initrd: error: $*"
  sleep 1
  exit 1
}

# With quiet on the kernel command line (banger's container mode: the console is the process's
# output) only errors are printed.
quiet=
say() {
  [ -n "$quiet" ] || echo "banger-initrd: $*"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

cmdline=$(cat /proc/cmdline)
for arg in $cmdline; do
  [ "$arg" = quiet ] && quiet=1
done

# The module.param=value arguments of the kernel command line for module $1, without the
# prefix. The kernel applies such arguments itself only to built-in code; for a loaded module
# modprobe passes them and busybox insmod does not, so this does (e.g. virtio_mmio.device=, the
# way Firecracker and QEMU's microvm without ACPI describe devices; Debian's cloud kernel lacks
# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES and finds its devices through ACPI instead).
module_args() {
  for arg in $cmdline; do
    case "$arg" in
      "$1".*=*) printf '%s ' "${arg#"$1".}" ;;
    esac
  done
}

# @MODULES@ is replaced by the module list when the initrd is built; the parameters from
# module_args are separate words on purpose.
# shellcheck disable=SC2043,SC2046
for m in @MODULES@; do
  insmod "/lib/modules/$m.ko" $(module_args "$m") || say "warning: insmod $m failed"
done

root=/dev/vda
init=/sbin/init
next=
ip=
rootfstype=ext4
rootflags=
mode=rw
for arg in $cmdline; do
  case "$arg" in
    root=*) root="${arg#root=}" ;;
    init=*) init="${arg#init=}" ;;
    banger.next=*) next="${arg#banger.next=}" ;;
    ip=*) ip="${arg#ip=}" ;;
    rootfstype=*) rootfstype="${arg#rootfstype=}" ;;
    rootflags=*) rootflags=",${arg#rootflags=}" ;;
    ro) mode=ro ;;
    rw) mode=rw ;;
  esac
done

# A dotted netmask to a prefix length, e.g. 255.255.255.0 -> 24.
mask_to_prefix() {
  bits=0
  old_ifs=$IFS
  IFS=.
  for octet in $1; do
    case "$octet" in
      255) bits=$((bits + 8)) ;;
      254) bits=$((bits + 7)) ;;
      252) bits=$((bits + 6)) ;;
      248) bits=$((bits + 5)) ;;
      240) bits=$((bits + 4)) ;;
      224) bits=$((bits + 3)) ;;
      192) bits=$((bits + 2)) ;;
      128) bits=$((bits + 1)) ;;
    esac
  done
  IFS=$old_ifs
  echo "$bits"
}

# ip=<client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>:... (the kernel's
# nfsroot.rst format); banger writes ip=<guest>::<gw>:<mask>::eth0:off.
configure_ip() {
  old_ifs=$IFS
  IFS=:
  # Split on ':' by design.
  # shellcheck disable=SC2086
  set -- $1
  IFS=$old_ifs
  client=$1 gateway=$3 netmask=$4 host=$5 dev=${6:-eth0}
  case "$client" in
    ""|off|none|dhcp|on|any|both|bootp|rarp) say "ip=$client: not configuring $dev"; return ;;
  esac
  prefix=32
  [ -n "$netmask" ] && prefix=$(mask_to_prefix "$netmask")
  [ -n "$host" ] && hostname "$host"
  ip link set lo up
  ip link set "$dev" up || { say "warning: no network device $dev"; return; }
  ip addr add "$client/$prefix" dev "$dev" || say "warning: could not add $client/$prefix to $dev"
  if [ -n "$gateway" ]; then
    ip route add default via "$gateway" dev "$dev" || say "warning: no default route via $gateway"
  fi
  say "$dev is $client/$prefix via ${gateway:-no gateway}"
}

[ -n "$ip" ] && configure_ip "$ip"

case "$root" in
  UUID=*|LABEL=*) root=$(findfs "$root") || fail "no disk matches $root" ;;
esac
# The block device appears when virtio_blk has probed it, which can take a moment.
tries=0
while [ ! -b "$root" ]; do
  tries=$((tries + 1))
  [ "$tries" -gt 50 ] && fail "root device $root did not appear (is the disk attached?)"
  sleep 0.1
done

mount -t "$rootfstype" -o "$mode$rootflags" "$root" /newroot || fail "could not mount $root ($rootfstype, $mode)"
[ -x "/newroot$init" ] || [ -L "/newroot$init" ] || fail "$init not found on $root"
# banger's first stage (image mode) execs the image's own init: one the image lacks is named now.
[ -z "$next" ] || [ -x "/newroot$next" ] || [ -L "/newroot$next" ] || fail "$next not found on $root"

for fs in dev proc sys; do
  if [ -d "/newroot/$fs" ]; then
    mount --move "/$fs" "/newroot/$fs"
  else
    umount "/$fs"
  fi
done

# The marker tests, the demo and the daemon (an error before it is the initrd's own) look for.
[ -n "$quiet" ] || echo "banger-initrd: switching root to $root, running $init"
exec switch_root /newroot "$init"
