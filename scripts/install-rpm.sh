#!/bin/sh
# The rpm kind's real peers from Debian: rpm (rpmbuild for the test packages, rpm's own version
# comparison and python3-rpm its relation overlap for the differential tests), createrepo-c (the test upstream's repodata), dnf and
# dnf-plugins-core (the client: makecache, download --resolve, and reposync for bench/rpm.ts),
# gnupg (the test upstream's key), nginx (bench upstream), xz-utils and zstd (compressed repodata).
# Idempotent; runs as root.
set -eu
PKGS="rpm python3-rpm createrepo-c dnf dnf-plugins-core gnupg nginx xz-utils zstd"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
