#!/usr/bin/env bash
# Installs the agent's .deb on a clean Debian 12 root and checks what docs/installing.md promises (./vsa package verify):
# debootstrap --variant=minbase bookworm into a folder (kept as a tarball in <cache> for the next run), the package's
# dependencies from Debian's mirror, then dpkg -i, systemd-analyze verify on the unit, the user and folders with their
# modes, the agent starting inside the root; dpkg -r keeps the data, dpkg -P removes it. Prints each step's time.
#
#   verify-clean-root.sh <vsa-edge-agent_*_amd64.deb> <cache folder>
set -euo pipefail

deb="$(realpath "$1")" cache="$2"
say() { printf '\033[1;34m[verify]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[verify] FAIL:\033[0m %s\n' "$*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || fail "needs root (debootstrap, chroot)"
start=$SECONDS
step() { say "$(printf '%5ds' $((SECONDS - start))) $*"; }

# The mirror this machine's apt already uses (no host is written into the project).
mirror="$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -v security | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//' | awk '{print $1}' | grep -m1 '/debian/\?$' || true)"
[[ -n $mirror ]] || fail "no Debian mirror found in /etc/apt sources"

mkdir -p "$cache"
tarball="$cache/bookworm-minbase.tar"
root="$(mktemp -d)"
cleanup() {
  for m in proc dev/pts dev sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
if [[ -f $tarball ]]; then
  tar -C "$root" -xf "$tarball"
  step "clean root unpacked from $tarball"
else
  step "debootstrap --variant=minbase bookworm (first run; kept as $tarball)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 || fail "debootstrap failed: $cache/debootstrap.log"
  tar -C "$root" -cf "$tarball" .
  step "debootstrap done"
fi
mount -t proc proc "$root/proc"; mount --bind /dev "$root/dev"; mount --bind /sys "$root/sys"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# The dependencies first (first alternative of each), so that what is tested is plain dpkg -i.
deps="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/ //g' | grep -v '^$' | tr '\n' ' ')"
in_root apt-get update -qq >/dev/null
in_root apt-get install -y -qq --no-install-recommends $deps >"$cache/deps.log" 2>&1 || fail "dependencies: $cache/deps.log"
step "dependencies installed: $deps"

cp "$deb" "$root/tmp/agent.deb"
in_root dpkg -i /tmp/agent.deb || fail "dpkg -i refused the package"
step "dpkg -i done"

check() { local what="$1"; shift; if "$@"; then say "  ok   $what"; else fail "$what"; fi; }
mode() { in_root stat -c '%a %U:%G' "$1"; }
check "user vsa: system, no login, home /var/lib/vsa-edge" bash -c "chroot '$root' getent passwd vsa | grep -q ':/var/lib/vsa-edge:/usr/sbin/nologin$'"
check "vsa in video, render, gpio" bash -c "chroot '$root' id -nG vsa | tr ' ' '\n' | sort | tr '\n' ' ' | grep -q 'gpio render video vsa'"
check "/etc/vsa-edge 750 root:vsa" test "$(mode /etc/vsa-edge)" = "750 root:vsa"
check "/var/lib/vsa-edge 750 vsa:vsa" test "$(mode /var/lib/vsa-edge)" = "750 vsa:vsa"
check "/var/lib/vsa-edge/credentials 700 vsa:vsa" test "$(mode /var/lib/vsa-edge/credentials)" = "700 vsa:vsa"
check "/opt/vsa-edge/agent not writable by vsa" test -z "$(in_root find /opt/vsa-edge -perm /022 ! -type l)"
check "unit enabled (multi-user.target.wants)" test -L "$root/etc/systemd/system/multi-user.target.wants/vsa-agent.service"
out="$(in_root systemd-analyze verify /lib/systemd/system/vsa-agent.service 2>&1 || true)"
check "systemd-analyze verify: no complaint about the unit ($out)" bash -c "! grep -q 'vsa-agent.service' <<<'$out'"
journal_has() { in_root systemd-analyze cat-config systemd/journald.conf 2>/dev/null | grep -qx "$1"; }
for limit in MaxRetentionSec=30day SystemMaxUse=512M SystemKeepFree=1G; do
  check "journal limit in force: $limit (journald.conf.d/vsa-edge.conf)" journal_has "$limit"
done
check "unit waits for enrolment and configuration" grep -q '^ConditionPathExists=/var/lib/vsa-edge/credentials/device.crt' "$root/lib/systemd/system/vsa-agent.service"
check "the self-contained agent runs in the clean root, as vsa" bash -c "chroot '$root' setpriv --reuid=vsa --regid=vsa --init-groups /usr/bin/vsa-agent run --help 2>&1 | grep -q -- '--config'"
step "installed package checked"

echo "kept" >"$root/var/lib/vsa-edge/credentials/device.crt"
in_root dpkg -r vsa-edge-agent >/dev/null || fail "dpkg -r failed"
check "dpkg -r: program gone" test ! -e "$root/opt/vsa-edge/agent/vsa-agent"
check "dpkg -r: unit gone and disabled" test ! -e "$root/lib/systemd/system/vsa-agent.service" -a ! -L "$root/etc/systemd/system/multi-user.target.wants/vsa-agent.service"
check "dpkg -r: journal limits gone with the package" test ! -e "$root/usr/lib/systemd/journald.conf.d/vsa-edge.conf"
check "dpkg -r: data kept" test "$(cat "$root/var/lib/vsa-edge/credentials/device.crt")" = kept
check "dpkg -r: /etc/vsa-edge and user kept" bash -c "test -d '$root/etc/vsa-edge' && chroot '$root' getent passwd vsa >/dev/null"
in_root dpkg -P vsa-edge-agent >/dev/null || fail "dpkg -P failed"
check "dpkg -P: data and configuration gone" test ! -e "$root/var/lib/vsa-edge" -a ! -e "$root/etc/vsa-edge"
check "dpkg -P: user vsa gone" bash -c "! chroot '$root' getent passwd vsa >/dev/null"
step "removal and purge checked"
say "clean-root verification passed in $((SECONDS - start)) s"
