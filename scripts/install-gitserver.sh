#!/bin/sh
# A real git server for the controller's tests: nginx + fcgiwrap in front of git http-backend,
# plus ssh-keygen (commit signature policy) and gnupg. Idempotent; runs as root.
set -eu
need=""
for pair in nginx:nginx fcgiwrap:fcgiwrap git:git ssh-keygen:openssh-client; do
  bin=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then need="$need $pkg"; fi
done
if [ ! -x /usr/lib/git-core/git-http-backend ]; then need="$need git"; fi
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $need
fi
# The tests start their own nginx and fcgiwrap on 127.0.0.1; the packaged services are not needed.
