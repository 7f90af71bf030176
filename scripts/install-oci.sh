#!/bin/sh
# The oci kind's real peers from Debian: docker-registry (distribution 2.8: upstream, second and
# push-target registries in the tests), skopeo (the client that inspects and copies from Ferry's
# registry, and the peer of bench/oci.ts), openssl (the test token endpoint's certificate).
# Idempotent; runs as root.
set -eu
if [ -x /usr/bin/docker-registry ] && [ -x /usr/bin/skopeo ] && command -v openssl >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends docker-registry skopeo openssl ca-certificates
# The package starts a registry on :5000 as a service; the tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled docker-registry >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
