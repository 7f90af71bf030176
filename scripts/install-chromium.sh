#!/bin/sh
# Debian's chromium, for the test that loads the controller's status page in a real browser
# (headless, --dump-dom). Idempotent; runs as root on Debian 12.
set -eu
if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends chromium
exit 0
