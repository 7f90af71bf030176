#!/bin/sh
# nginx, for the test that serves a Ferry state folder with the generated nginx configuration
# (src/serve/nginx-config.ts), and its JavaScript module (the registry API's catalog, paginated
# tag lists and error bodies: share/nginx/ferry-registry.js). Idempotent; runs as root on Debian 12. The test starts its own
# nginx on 127.0.0.1 with its own prefix: the system service is neither needed nor started.
set -eu
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if installed nginx && installed libnginx-mod-http-js; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends nginx libnginx-mod-http-js
# The package starts the stock site on port 80; Ferry does not use it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
if [ -x /etc/init.d/nginx ]; then /etc/init.d/nginx stop >/dev/null 2>&1 || true; fi
exit 0
