#!/bin/sh
# The steps that make a machine able to run the edge agent as a service, shared by the Debian package's maintainer
# scripts and by "./vsa provision install" (docs/installing.md, "Install as a service"). POSIX sh (dpkg runs it before
# anything else is known to be there), idempotent: rerun it after a power cut, an upgrade, or by hand.
#
#   vsa-edge-setup.sh configure   user "vsa", groups, folders with their owners and modes, the unit enabled (not started)
#   vsa-edge-setup.sh remove      the unit disabled and stopped, the journal limits ./vsa provision install put in /etc
#                                 removed; configuration and data kept
#   vsa-edge-setup.sh purge       also deletes /etc/vsa-edge, /var/lib/vsa-edge and the "vsa" user
#
# VSA_ROOT=<dir> applies it to another root (tests, image builds): paths under it, useradd/groupadd --prefix, no systemctl.
set -eu

ROOT="${VSA_ROOT:-}"
USER_NAME=vsa
ETC="$ROOT/etc/vsa-edge"
STATE="$ROOT/var/lib/vsa-edge"
UNIT=vsa-agent.service
# The journal's limits as ./vsa provision install writes them (the package's are under /usr/lib, dpkg's to remove).
JOURNALD_DROPIN="$ROOT/etc/systemd/journald.conf.d/vsa-edge.conf"

prefix_args() { if [ -n "$ROOT" ]; then printf -- '--prefix %s' "$ROOT"; fi; }

# systemctl only on a running systemd of this root (not in a chroot, a container build or a test root).
systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

has_group() { grep -q "^$1:" "$ROOT/etc/group" 2>/dev/null; }
has_user() { grep -q "^$1:" "$ROOT/etc/passwd" 2>/dev/null; }

configure() {
  # Cameras (/dev/video*), the GPU (render), GPIO chips: the unit's SupplementaryGroups, which must exist for it to start.
  for g in video render gpio; do
    has_group "$g" || groupadd --system $(prefix_args) "$g"
  done
  if ! has_user "$USER_NAME"; then
    useradd --system --user-group --home-dir /var/lib/vsa-edge --no-create-home --shell /usr/sbin/nologin \
      --comment "VSA edge agent" $(prefix_args) "$USER_NAME"
  fi
  usermod $(prefix_args) -a -G video,render,gpio "$USER_NAME"

  # Numeric ids, read from this root's own files (under VSA_ROOT the host does not know the user).
  uid="$(grep "^$USER_NAME:" "$ROOT/etc/passwd" | cut -d: -f3)"
  gid="$(grep "^$USER_NAME:" "$ROOT/etc/group" | cut -d: -f3)"

  # /etc/vsa-edge: agent.json and the camera files; root writes them, the agent only reads (they may hold camera passwords).
  install -d -o 0 -g "$gid" -m 0750 "$ETC"
  # /var/lib/vsa-edge: what the agent writes (credentials 0700 inside, outbox, kept configuration, proposals, model cache).
  # The agent owns these folders: one it replaced by a symbolic link is refused, never followed (root would chown its target).
  for d in "$STATE" "$STATE/proposals" "$STATE/credentials"; do
    if [ -L "$d" ]; then
      echo "vsa-edge-setup: $d is a symbolic link; refusing to change its owner (remove it and rerun)" >&2
      exit 1
    fi
  done
  install -d -o "$uid" -g "$gid" -m 0750 "$STATE"
  install -d -o "$uid" -g "$gid" -m 0750 "$STATE/proposals"
  install -d -o "$uid" -g "$gid" -m 0700 "$STATE/credentials"

  if systemd_running; then
    systemctl daemon-reload
    # The journal's limits (journald.conf.d/vsa-edge.conf) are read at its start: journald keeps the services' streams.
    systemctl try-restart systemd-journald.service || true
    # Enabled, not started: ConditionPathExists keeps it down until the device is enrolled and configured.
    systemctl enable "$UNIT" >/dev/null 2>&1
    # An upgrade restarts a running agent on the new version; a stopped one stays stopped.
    systemctl try-restart "$UNIT" || true
  elif [ -d "$ROOT/etc/systemd/system" ] || [ -d "$ROOT/lib/systemd/system" ]; then
    # No running systemd (chroot, image build): the same symlink "systemctl enable" makes.
    mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
    for dir in /etc/systemd/system /lib/systemd/system; do
      if [ -f "$ROOT$dir/$UNIT" ]; then
        ln -sf "$dir/$UNIT" "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT"
        break
      fi
    done
  fi
}

remove() {
  if systemd_running; then
    systemctl stop "$UNIT" 2>/dev/null || true
    systemctl disable "$UNIT" >/dev/null 2>&1 || true
  fi
  rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT"
  # Ours only (its first line): /etc/systemd/journald.conf.d/ is otherwise the administrator's.
  if [ -f "$JOURNALD_DROPIN" ] && head -n 1 "$JOURNALD_DROPIN" | grep -q "^# Limits of systemd's journal on a VSA edge pole\."; then
    rm -f "$JOURNALD_DROPIN"
    if systemd_running; then systemctl try-restart systemd-journald.service || true; fi
  fi
}

purge() {
  remove
  rm -rf "$ETC" "$STATE"
  if has_user "$USER_NAME"; then
    userdel $(prefix_args) "$USER_NAME" 2>/dev/null || true
  fi
  if has_group "$USER_NAME"; then
    groupdel $(prefix_args) "$USER_NAME" 2>/dev/null || true
  fi
  if systemd_running; then systemctl daemon-reload; fi
}

case "${1:-}" in
  configure) configure ;;
  remove) remove ;;
  purge) purge ;;
  *) echo "usage: vsa-edge-setup.sh configure|remove|purge" >&2; exit 2 ;;
esac
