#!/bin/sh
# The pypi kind's real peers from Debian: pip (the client of the end-to-end tests and the peer of
# bench/pypi.ts), venv (pip install into a fresh environment), python3-packaging (the PEP 440
# reference of test/differential/pypi-pep440.test.ts). nginx comes from install-nginx.sh.
# The tests run /usr/bin/python3, Debian's, whatever else is on PATH. Idempotent; runs as root.
set -eu
if /usr/bin/python3 -c 'import pip, venv, ensurepip, packaging' >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends python3 python3-pip python3-venv python3-packaging
