#!/bin/sh
# Tools the deb driver's tests and benchmark need: dpkg-deb/dpkg-scanpackages (fixture .debs),
# gnupg/gpgv (test upstream keys, signature checks), apt (the real client), aptly 1.5 (benchmark
# peer), nginx (serving a snapshot tree as a static site), xz-utils (Packages.xz).
# Idempotent; runs as root.
set -eu
PKGS="dpkg-dev gnupg gpgv apt aptly nginx xz-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
