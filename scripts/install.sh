#!/usr/bin/env bash
# Installs a built banger: the jar and its libraries under $PREFIX/lib/banger, the launcher as
# $PREFIX/bin/banger, and the systemd unit banger.service. DESTDIR stages everything under
# another root (packaging, tests); then systemd is not touched.
# Usage: scripts/install.sh [--prefix DIR]   (default /usr/local; build first with mvn package)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/usr/local
while [[ $# -gt 0 ]]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
dest=${DESTDIR:-}
[[ -f "$root/target/banger.jar" ]] || { echo "install.sh: target/banger.jar is missing; run 'mvn package' first" >&2; exit 1; }

lib="$dest$prefix/lib/banger"
install -d "$lib/lib" "$lib/lib/kubelet" "$dest$prefix/bin" "$dest/etc/systemd/system" "$dest$prefix/share/doc/banger"
rm -f "$lib"/lib/*.jar "$lib"/lib/kubelet/*.jar
install -m 0644 "$root/target/banger.jar" "$lib/banger.jar"
install -m 0644 "$root"/target/lib/*.jar "$lib/lib/"
install -m 0644 "$root"/target/lib/kubelet/*.jar "$lib/lib/kubelet/"
install -m 0755 "$root/bin/banger" "$dest$prefix/bin/banger"
sed "s#/usr/local#$prefix#g" "$root/packaging/banger.service" > "$dest/etc/systemd/system/banger.service"
chmod 0644 "$dest/etc/systemd/system/banger.service"
install -m 0644 "$root/README.md" "$dest$prefix/share/doc/banger/README.md"
# Members of the group `banger` may use the daemon's socket (root always may). A staged install
# leaves the host's accounts alone.
if [[ -z "$dest" ]] && ! getent group banger >/dev/null; then
  groupadd --system banger
  echo "created group banger: add users who may run VMs with: usermod -aG banger USER"
fi
if [[ -z "$dest" ]] && command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  echo "installed; start the daemon with: systemctl enable --now banger"
else
  echo "installed under ${dest:-/}$prefix"
fi
