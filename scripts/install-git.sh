#!/bin/sh
# The git CLI (with git-http-backend and git daemon) and OpenSSH from Debian: the git driver
# fetches with git; its tests build upstream repositories with it, serve them over smart HTTP,
# git:// (git daemon) and ssh:// (sshd on 127.0.0.1, generated keys), and clone the published
# mirrors with it. Idempotent; runs as root.
set -eu
need=""
if ! command -v git >/dev/null 2>&1 || { [ ! -x /usr/lib/git-core/git-http-backend ] && [ ! -x /usr/libexec/git-core/git-http-backend ]; }; then need="$need git"; fi
if ! command -v ssh >/dev/null 2>&1 || ! command -v ssh-keygen >/dev/null 2>&1; then need="$need openssh-client"; fi
if [ ! -x /usr/sbin/sshd ]; then need="$need openssh-server"; fi
if [ -z "$need" ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $need ca-certificates
# The tests start their own sshd on 127.0.0.1; the packaged service is not needed.
