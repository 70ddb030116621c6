#!/bin/sh
# A stand-in for Firecracker's jailer, for tests (see FakeJailerBinary). It checks its arguments as
# the real jailer does, builds the same chroot layout (binary copy, device nodes, /run, pid file),
# moves itself into the VM's cgroup v2 when --cgroup is given, and execs the copied binary with the
# jailer's arguments. It does not chroot or drop privileges (the stand-in binary is a JVM that needs
# the host's files): it passes FAKE_FC_CHROOT/UID/GID instead, and the Firecracker stand-in resolves
# API paths inside the chroot and checks that uid:gid could open them. cgroup properties are checked
# for form, not written: a test host's v2 hierarchy may have no controllers.
set -eu

die() {
  echo "jailer stand-in: $*" >&2
  exit 1
}

id='' exec_file='' uid='' gid='' base=/srv/jailer netns='' cgroup_version=1 parent='' cgroups=''
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    --id|--exec-file|--uid|--gid|--chroot-base-dir|--netns|--cgroup-version|--parent-cgroup|--cgroup)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --id) id=$2 ;;
        --exec-file) exec_file=$2 ;;
        --uid) uid=$2 ;;
        --gid) gid=$2 ;;
        --chroot-base-dir) base=$2 ;;
        --netns) netns=$2 ;;
        --cgroup-version) cgroup_version=$2 ;;
        --parent-cgroup) parent=$2 ;;
        --cgroup) cgroups="$cgroups$2
" ;;
      esac
      shift 2 ;;
    *) die "unexpected argument '$1'" ;;
  esac
done

case $id in
  ''|*[!A-Za-z0-9-]*) die "invalid --id '$id'" ;;
esac
[ ${#id} -le 64 ] || die "--id is longer than 64 characters"
case $uid in ''|*[!0-9]*) die "invalid --uid '$uid'" ;; esac
case $gid in ''|*[!0-9]*) die "invalid --gid '$gid'" ;; esac
[ -n "$exec_file" ] || die "missing --exec-file"
exec_file=$(readlink -f "$exec_file") || die "--exec-file cannot be resolved"
[ -f "$exec_file" ] || die "--exec-file $exec_file is not a file"
[ -d "$base" ] || die "--chroot-base-dir $base is not a directory"
base=$(readlink -f "$base")
[ -z "$netns" ] || [ -e "$netns" ] || die "--netns $netns does not exist"
[ "$cgroup_version" = 2 ] || die "this stand-in only does --cgroup-version 2, got $cgroup_version"
name=${exec_file##*/}
[ -n "$parent" ] || parent=$name
case /$parent/ in
  *//*|*/./*|*/../*) die "invalid --parent-cgroup '$parent'" ;;
esac
printf '%s' "$cgroups" | while IFS= read -r property; do
  case $property in
    *=*=*|=*|*=) die "invalid --cgroup '$property'" ;;
    *=*) ;;
    *) die "invalid --cgroup '$property'" ;;
  esac
done

chroot_dir=$base/$name/$id/root
mkdir -p "$chroot_dir"
[ ! -e "$chroot_dir/$name" ] || die "$chroot_dir/$name already exists"
cp "$exec_file" "$chroot_dir/$name"
chown "$uid:$gid" "$chroot_dir/$name"

if [ -n "$cgroups" ]; then
  mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
  [ -n "$mount" ] || die "no cgroup v2 hierarchy is mounted"
  mkdir -p "$mount/$parent/$id"
  echo $$ > "$mount/$parent/$id/cgroup.procs"
fi

for dir in / /dev /dev/net /run; do
  mkdir -p "$chroot_dir$dir"
  chmod 0700 "$chroot_dir$dir"
  chown "$uid:$gid" "$chroot_dir$dir"
done
mknod -m 0600 "$chroot_dir/dev/net/tun" c 10 200
mknod -m 0600 "$chroot_dir/dev/kvm" c 10 232
chown "$uid:$gid" "$chroot_dir/dev/net/tun" "$chroot_dir/dev/kvm"

# The real jailer creates the pid file with O_EXCL: a second run with the same id fails.
(set -C; echo $$ > "$chroot_dir/$name.pid") 2>/dev/null || die "$chroot_dir/$name.pid exists: jail $id is in use"

start=$(date +%s%6N)
set -- --id "$id" --start-time-us "$start" --start-time-cpu-us 0 --parent-cpu-time-us 0 "$@"
if [ -n "$netns" ]; then
  set -- nsenter --net="$netns" "$chroot_dir/$name" "$@"
else
  set -- "$chroot_dir/$name" "$@"
fi
# Like the jailer, hand the binary a clean environment.
exec env -i FAKE_FC_CHROOT="$chroot_dir" FAKE_FC_UID="$uid" FAKE_FC_GID="$gid" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
