#!/bin/sh
# Installs reclass 1.7.0 (Debian 12 package) as the reference renderer of the differential tests,
# and a patched copy of it in /opt/ferry-reclass (the system package is left untouched).
# The patch: Python 3.10+ removed collections.Iterable (salt-formulas/reclass#105).
# Idempotent; runs as root. Use: /opt/ferry-reclass/bin/reclass -b INVENTORY --inventory
set -eu
DEST=${FERRY_RECLASS_DIR:-/opt/ferry-reclass}
if ! dpkg -s reclass >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y --no-install-recommends reclass
fi
SRC=$(/usr/bin/python3 -c 'import importlib.util,os; print(os.path.dirname(importlib.util.find_spec("reclass").origin))')
if [ ! -f "$DEST/lib/reclass/values/parser_funcs.py" ] || ! grep -q 'collections.abc.Iterable' "$DEST/lib/reclass/values/parser_funcs.py"; then
  rm -rf "$DEST.tmp"
  mkdir -p "$DEST.tmp/lib" "$DEST.tmp/bin"
  cp -r "$SRC" "$DEST.tmp/lib/reclass"
  find "$DEST.tmp/lib/reclass" -name __pycache__ -prune -exec rm -rf {} +
  sed -i 's/collections\.Iterable/collections.abc.Iterable/g' "$DEST.tmp/lib/reclass/values/parser_funcs.py"
  grep -q 'collections.abc.Iterable' "$DEST.tmp/lib/reclass/values/parser_funcs.py"
  cat > "$DEST.tmp/bin/reclass" <<'WRAP'
#!/bin/sh
# reclass 1.7.0 from a patched copy (see scripts/install-reclass.sh in Ferry).
HERE=$(dirname "$(readlink -f "$0")")
PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" exec /usr/bin/python3 -c 'import sys; from reclass.cli import main; sys.argv[0] = "reclass"; main()' "$@"
WRAP
  chmod 755 "$DEST.tmp/bin/reclass"
  rm -rf "$DEST"
  mv "$DEST.tmp" "$DEST"
fi
"$DEST/bin/reclass" --version >/dev/null
