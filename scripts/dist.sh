#!/usr/bin/env bash
# `make dist`: one tarball a site installs without npm (deploy/README.md, "Installing"):
#   ferry-<version>/bin/ferry           the command (a shell wrapper: node + dist/cli/main.js)
#   ferry-<version>/dist/               the built CLI (tsc output, esbuild bundle, standalone validator)
#   ferry-<version>/schemas/            the JSON Schemas
#   ferry-<version>/share/              files other programs read (the njs script of the nginx configuration)
#   ferry-<version>/node_modules/       production dependencies only (npm ci --omit=dev)
#   ferry-<version>/package.json, package-lock.json, README.md, LICENSE-like files, deploy/
# written to dist-pkg/ferry-<version>.tar.gz. Node.js 20.18+ must be on the target (not npm).
# FERRY_DIST_SKIP_BUILD=1 packages the build already in dist/ (make test builds first).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(node -p 'require("./package.json").version')
name="ferry-${version}"
out="${root}/dist-pkg"

if [ "${FERRY_DIST_SKIP_BUILD:-0}" != 1 ]; then
  make --no-print-directory build
fi
[ -f dist/cli/main.js ] || { echo "dist/cli/main.js is missing: run make build" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/ferry-dist-XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg="${stage}/${name}"
mkdir -p "${pkg}/bin"
cp -a dist schemas share package.json package-lock.json README.md deploy "${pkg}/"
# Production dependencies only, exactly as locked; from npm's cache when it holds them.
(cd "$pkg" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "${pkg}/node_modules/.package-lock.json"
cat > "${pkg}/bin/ferry" <<'EOF'
#!/bin/sh
# The ferry command of an unpacked dist tarball (it finds its folder through symlinks).
here=$(dirname "$(readlink -f "$0")")
exec "${FERRY_NODE:-node}" "$here/../dist/cli/main.js" "$@"
EOF
chmod 0755 "${pkg}/bin/ferry"

mkdir -p "$out"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "${out}/${name}.tar.gz" "$name"
echo "wrote dist-pkg/${name}.tar.gz ($(du -h "${out}/${name}.tar.gz" | cut -f1))"
