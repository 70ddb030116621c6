#!/usr/bin/env bash
# Removes what install.sh put in place. Leaves the state directory (/var/lib/banger) and the
# config (/etc/banger) alone: they hold images and VMs. DESTDIR and --prefix as for install.sh.
set -euo pipefail
prefix=/usr/local
while [[ $# -gt 0 ]]; do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
dest=${DESTDIR:-}
unit="$dest/etc/systemd/system/banger.service"
if [[ -z "$dest" ]] && command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]] && [[ -f "$unit" ]]; then
  systemctl disable --now banger.service || true
fi
rm -f "$unit" "$dest$prefix/bin/banger"
rm -rf "$dest$prefix/lib/banger" "$dest$prefix/share/doc/banger"
if [[ -z "$dest" ]] && command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
fi
echo "uninstalled from ${dest:-/}$prefix (state in /var/lib/banger kept)"
