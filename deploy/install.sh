#!/bin/sh
# Installs Ferry from `make dist`'s tarball, as deploy/README.md ("Installing") describes, on a
# host or in a container image (deploy/Dockerfile runs this very script):
#   sh deploy/install.sh dist-pkg/ferry-<version>.tar.gz
# /opt/ferry (the tarball's tree, replaced whole on an upgrade), /usr/local/bin/ferry, a `ferry`
# system user, /etc/ferry/ferry.yaml (the sample, kept if present) and /var/lib/ferry (the
# state, never touched on an upgrade). Needs sh, tar, gzip; root for the user and owners.
# DESTDIR=DIR installs under DIR instead of / (no user is made, no owner set): how the tests
# check the image's steps without a container engine.
set -eu
tarball=${1:?usage: install.sh ferry-VERSION.tar.gz}
root=${DESTDIR:-}
[ -f "$tarball" ] || { echo "install.sh: $tarball: no such file" >&2; exit 1; }

if [ -z "$root" ]; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: run as root (or set DESTDIR=DIR to install under DIR)" >&2; exit 1; }
  getent passwd ferry >/dev/null || useradd --system --user-group --home-dir /var/lib/ferry --shell /usr/sbin/nologin ferry
fi

# A fresh /opt/ferry: the new tree next to the old one, then swapped.
mkdir -p "$root/opt"
rm -rf "$root/opt/ferry.new"
mkdir "$root/opt/ferry.new"
tar -C "$root/opt/ferry.new" --strip-components=1 --no-same-owner -xzf "$tarball"
[ -x "$root/opt/ferry.new/bin/ferry" ] || { echo "install.sh: $tarball holds no bin/ferry" >&2; rm -rf "$root/opt/ferry.new"; exit 1; }
rm -rf "$root/opt/ferry.old"
[ ! -d "$root/opt/ferry" ] || mv "$root/opt/ferry" "$root/opt/ferry.old"
mv "$root/opt/ferry.new" "$root/opt/ferry"
rm -rf "$root/opt/ferry.old"
mkdir -p "$root/usr/local/bin"
ln -sf /opt/ferry/bin/ferry "$root/usr/local/bin/ferry"

mkdir -p "$root/etc/ferry/credentials" "$root/var/lib/ferry"
[ -f "$root/etc/ferry/ferry.yaml" ] || cp "$root/opt/ferry/deploy/ferry.yaml" "$root/etc/ferry/ferry.yaml"
if [ -z "$root" ]; then
  chown root:ferry /etc/ferry /etc/ferry/credentials /etc/ferry/ferry.yaml
  chmod 0750 /etc/ferry /etc/ferry/credentials
  chmod 0640 /etc/ferry/ferry.yaml
  chown ferry:ferry /var/lib/ferry
  chmod 0750 /var/lib/ferry
fi
echo "installed $("$root/opt/ferry/bin/ferry" --version 2>/dev/null || echo Ferry) in $root/opt/ferry"
