#!/bin/sh
# The git CLI (with git-http-backend) from Debian: the git driver's tests build upstream
# repositories with it, serve them over smart HTTP and clone the published mirrors with it.
# Idempotent; runs as root.
set -eu
if command -v git >/dev/null 2>&1 && { [ -x /usr/lib/git-core/git-http-backend ] || [ -x /usr/libexec/git-core/git-http-backend ]; }; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends git ca-certificates
