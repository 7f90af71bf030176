#!/usr/bin/env bash
# The demo: a local upstream, the example model in a scratch Git repository, apply, serve,
# a model change, then `git revert` and the rollback it causes (no download). Everything
# runs on 127.0.0.1 and lives in .demo/ (removed at the start of each run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
NODE=mirror01.lab.local
FERRY="$ROOT/bin/ferry"
export FERRY_STATE=$DEMO/state
export FERRY_LOG_FORMAT=${FERRY_LOG_FORMAT:-human} FERRY_LOG_LEVEL=${FERRY_LOG_LEVEL:-warn}
# shellcheck source=scripts/demo-lib.sh
source "$ROOT/scripts/demo-lib.sh"
# Free ports picked by the kernel, unless named here (a named port that is taken stops the demo).
check_port UPSTREAM_PORT
check_port SERVE_PORT

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

rm -rf "$DEMO" && mkdir -p "$DEMO"

step "Start a local upstream on 127.0.0.1 (generated images and tools)"
node_modules/.bin/tsx examples/upstream/serve.ts --port "${UPSTREAM_PORT:-0}" > "$DEMO/upstream.log" 2>&1 &
pids+=($!)
await_url UPSTREAM "$!" "$DEMO/upstream.log" UPSTREAM_PORT "the example upstream"
cat "$DEMO/upstream.log"

step "Commit the example model (commit A) into a scratch Git repository"
cp -r examples/cluster-model "$DEMO/model"
sed -i "s#^  _param:\$#  _param:\n    upstream_url: $UPSTREAM#" "$DEMO/model/nodes/$NODE.yml"
cd "$DEMO/model"
git init -q -b main .
git -c user.name=demo -c user.email=demo@example.org add -A
git -c user.name=demo -c user.email=demo@example.org commit -qm "A: lab mirrors"
git log --oneline
cd "$ROOT"

step "ferry validate"
$FERRY validate --repo "$DEMO/model" --ref main --node $NODE

step "ferry plan (nothing is published yet)"
$FERRY plan --repo "$DEMO/model" --ref main --node $NODE

step "ferry apply (commit A)"
$FERRY apply --repo "$DEMO/model" --ref main --node $NODE
SNAP_A=$(readlink "$FERRY_STATE/current" | xargs basename)

step "ferry serve on 127.0.0.1, then fetch an image and check its sha256"
$FERRY serve --listen "127.0.0.1:${SERVE_PORT:-0}" > "$DEMO/serve.log" 2>&1 &
pids+=($!)
await_url SERVED "$!" "$DEMO/serve.log" SERVE_PORT "ferry serve"
cat "$DEMO/serve.log"
SERVE_PORT=${SERVED##*:}
curl -fsS "http://127.0.0.1:$SERVE_PORT/file/images-cirros/SHA256SUMS"
curl -fsS -o "$DEMO/cirros.img" "http://127.0.0.1:$SERVE_PORT/file/images-cirros/cirros-0.6.2-x86_64-disk.img"
(cd "$DEMO" && curl -fsS "http://127.0.0.1:$SERVE_PORT/file/images-cirros/SHA256SUMS" | sed 's#  #  cirros.img #; s# cirros-0.6.2-x86_64-disk.img##' | sha256sum -c -)

step "Change the model (commit B): the lab moves to CirrOS 0.6.3"
cat >> "$DEMO/model/classes/cluster/lab/mirror.yml" <<'YAML'
  _param:
    cirros_version: 0.6.3
    cirros_sha256: 94f64b6d56fcb195d0dd41f1d32c17a0287b47061396a8d267e0deb495ae79db
    cirros_size: 2097275
YAML
(cd "$DEMO/model" && git -c user.name=demo -c user.email=demo@example.org commit -qam "B: CirrOS 0.6.3 in the lab" && git log --oneline -1)
$FERRY plan --repo "$DEMO/model" --ref main --node $NODE
$FERRY apply --repo "$DEMO/model" --ref main --node $NODE
curl -fsS "http://127.0.0.1:$SERVE_PORT/file/images-cirros/SHA256SUMS"

step "git revert B, apply: A's snapshot is published again, nothing downloaded"
(cd "$DEMO/model" && git -c user.name=demo -c user.email=demo@example.org revert --no-edit HEAD >/dev/null && git log --oneline -1)
$FERRY apply --repo "$DEMO/model" --ref main --node $NODE
SNAP_NOW=$(readlink "$FERRY_STATE/current" | xargs basename)
[ "$SNAP_NOW" = "$SNAP_A" ] && echo "current is A's snapshot again: $SNAP_A"
curl -fsS "http://127.0.0.1:$SERVE_PORT/file/images-cirros/SHA256SUMS"

step "ferry history, then fsck"
$FERRY history
$FERRY fsck

step "Done. State in .demo/state; \`bin/ferry serve --state .demo/state\` serves it again."
