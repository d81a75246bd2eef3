#!/usr/bin/env bash
# Assembles the agent's Debian package from a published folder (./vsa package agent runs it after dotnet publish; the
# packaging tests run it on a stand-in folder).
#
#   build-deb.sh <published agent folder> <amd64|arm64> <version> <output folder>   → prints the .deb's path
#
# Layout: /opt/vsa-edge/agent (the published agent), /opt/vsa-edge/setup/vsa-edge-setup.sh (shared with
# ./vsa provision install), /lib/systemd/system/vsa-agent.service, /usr/lib/systemd/journald.conf.d/vsa-edge.conf (the
# journal's size and age limits), /usr/bin/vsa-agent → the agent. No conffiles: the
# configuration in /etc/vsa-edge is written by the installer, never shipped.
set -euo pipefail

publish="$1" arch="$2" version="$3" out="$4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[[ -x $publish/vsa-agent ]] || { echo "build-deb: $publish/vsa-agent missing or not executable (publish the agent first)" >&2; exit 1; }
case "$arch" in
  # The official OpenCvSharp build for x86-64 loads GTK; .NET needs OpenSSL (TLS to the broker) and ICU.
  amd64) depends="libc6 (>= 2.34), libstdc++6, libgcc-s1, zlib1g, libssl3, libicu72 | libicu70 | libicu74, libgtk-3-0, passwd, systemd" ;;
  # Jetson (L4T, Ubuntu): ONNX Runtime and libOpenCvSharpExtern.so are the system's, built for JetPack (docs/jetson.md).
  arm64) depends="libc6 (>= 2.31), libstdc++6, libgcc-s1, zlib1g, libssl3 | libssl1.1, libicu72 | libicu70 | libicu66, passwd, systemd" ;;
  *) echo "build-deb: architecture must be amd64 or arm64, not '$arch'" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tree="$work/vsa-edge-agent"
install -d -m 0755 "$tree/DEBIAN" "$tree/opt/vsa-edge/agent" "$tree/opt/vsa-edge/setup" "$tree/lib/systemd/system" "$tree/usr/bin" \
  "$tree/usr/lib/systemd/journald.conf.d"
cp -a "$publish/." "$tree/opt/vsa-edge/agent/"
# Nothing in the program folder is writable by anyone but root.
chmod -R u=rwX,go=rX "$tree/opt/vsa-edge/agent"
chmod 0755 "$tree/opt/vsa-edge/agent/vsa-agent"
install -m 0755 "$here/vsa-edge-setup.sh" "$tree/opt/vsa-edge/setup/vsa-edge-setup.sh"
install -m 0644 "$root/provisioning/systemd/vsa-agent.service" "$tree/lib/systemd/system/vsa-agent.service"
# The journal's size and age limits (a vendor drop-in: /etc/systemd/journald.conf.d/ stays the administrator's).
install -m 0644 "$root/provisioning/systemd/journald-vsa-edge.conf" "$tree/usr/lib/systemd/journald.conf.d/vsa-edge.conf"
ln -s /opt/vsa-edge/agent/vsa-agent "$tree/usr/bin/vsa-agent"
for script in postinst prerm postrm; do install -m 0755 "$here/$script" "$tree/DEBIAN/$script"; done

size="$(du -sk --exclude=DEBIAN "$tree" | cut -f1)"
cat >"$tree/DEBIAN/control" <<CONTROL
Package: vsa-edge-agent
Version: $version
Architecture: $arch
Maintainer: Vsa.Edge <vsa-edge@localhost>
Installed-Size: $size
Depends: $depends
Section: video
Priority: optional
Description: VSA edge agent (video analytics under a prefectoral authorisation)
 Detects the eight events a prefectoral authorisation may name on the pole's
 cameras and publishes metadata-only alerts over MQTT to the fleet manager.
 Installs the systemd unit vsa-agent.service, enabled but not started until
 the device is enrolled and configured; "dpkg -r" keeps /etc/vsa-edge and
 /var/lib/vsa-edge, "dpkg -P" deletes them and the vsa user.
CONTROL

mkdir -p "$out"
deb="$out/vsa-edge-agent_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "$deb"
