#!/usr/bin/env bash
# The controller demo (`ferry run`): a local upstream, a git smart-HTTP server holding the
# example model, the controller following its main branch. A Gerrit-style webhook publishes a
# pushed commit; a pushed `git revert` rolls back (a retained snapshot, nothing downloaded);
# `ferry suspend` holds changes back until `ferry resume`; `ferry events` tells the story.
# Everything runs on 127.0.0.1 and lives in .demo/controller/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.demo/controller
NODE=mirror01.lab.local
if [ -f dist/cli/main.js ]; then FERRY=("$ROOT/bin/ferry"); else FERRY=(node --import tsx "$ROOT/src/cli/main.ts"); fi
TSX=$ROOT/node_modules/.bin/tsx
export FERRY_STATE=$DEMO/state FERRY_LOG_LEVEL=${FERRY_LOG_LEVEL:-info}
GIT=(git -c user.name=demo -c user.email=demo@example.org)
# shellcheck source=../scripts/demo-lib.sh
source "$ROOT/scripts/demo-lib.sh"
# Free ports picked by the kernel, unless named here (a named port that is taken stops the demo).
check_port UPSTREAM_PORT
check_port GIT_PORT
check_port CTL_PORT
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() { # wait_for DESCRIPTION COMMAND...: retry for 60 s
  local what=$1; shift
  for _ in $(seq 300); do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.2; done
  echo "timed out waiting for $what" >&2; tail -20 "$DEMO/controller.log" >&2; return 1
}
status() { curl -fsS "$CTL/status" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const j = JSON.parse(s); const r = j.lastRun ?? {};
    console.log(`  applied ${String(j.lastAppliedRevision).slice(0, 12)}  snapshot ${j.published?.snapshot}  suspended ${j.suspension.suspended}  failures ${j.failures}`);
    console.log(`  last run #${r.runId} by ${r.by}: ${r.result}${r.outcome ? " (" + r.outcome + ")" : ""}, ${r.bytesFetched ?? 0} bytes downloaded, ${r.durationMs} ms`);
    for (const m of j.mirrors) console.log(`  mirror ${m.id.padEnd(28)} ${m.state}  ${m.files} files`);
  });'; }
hook() { # hook REV: what the Gerrit webhooks plugin POSTs after a merge
  curl -fsS -X POST -H 'content-type: application/json' "$CTL/hooks/gerrit/$(cat "$DEMO/secrets/gerrit-token")" \
    -d "{\"type\":\"ref-updated\",\"refUpdate\":{\"project\":\"model\",\"refName\":\"refs/heads/main\",\"newRev\":\"$1\"}}"; echo; }
applied() { curl -fsS "$CTL/status" | grep -q "\"lastAppliedRevision\": \"$1\""; }
push() { (cd "$DEMO/checkout" && "${GIT[@]}" push -q "$GIT_URL/model.git" HEAD:refs/heads/main); }

rm -rf "$DEMO" && mkdir -p "$DEMO/repos" "$DEMO/secrets"

step "A local upstream and a git server holding the model, on 127.0.0.1"
"$TSX" examples/upstream/serve.ts --port "${UPSTREAM_PORT:-0}" > "$DEMO/upstream.log" 2>&1 & pids+=($!)
await_url UPSTREAM "$!" "$DEMO/upstream.log" UPSTREAM_PORT "the example upstream"
git init -q --bare -b main "$DEMO/repos/model.git"
"$TSX" bench/webhook-git-server.ts --root "$DEMO/repos" --port "${GIT_PORT:-0}" > "$DEMO/git.log" 2>&1 & pids+=($!)
await_url GIT_URL "$!" "$DEMO/git.log" GIT_PORT "the git server"
cat "$DEMO/upstream.log" "$DEMO/git.log"
cp -r examples/cluster-model "$DEMO/checkout"
sed -i "s#^  _param:\$#  _param:\n    upstream_url: $UPSTREAM#" "$DEMO/checkout/nodes/$NODE.yml"
(cd "$DEMO/checkout" && git init -q -b main . && "${GIT[@]}" add -A && "${GIT[@]}" commit -qm "A: lab mirrors")
wait_for "the git server" curl -fs "$GIT_URL/model.git/info/refs?service=git-upload-pack"
push
(cd "$DEMO/checkout" && git log --oneline)

step "ferry run --config ferry.yaml (the webhook token is a file, never in the config)"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DEMO/secrets/gerrit-token"
chmod 600 "$DEMO/secrets/gerrit-token"
cat > "$DEMO/ferry.yaml" <<YAML
stateDir: $DEMO/state
node: $NODE
source:
  git: {url: "$GIT_URL/model.git", branch: main}
listen: {host: 127.0.0.1, port: ${CTL_PORT:-0}}
poll: {interval: 10m, jitter: 0.2}
webhooks:
  gerrit: {tokenFile: $DEMO/secrets/gerrit-token}
reconcile: {timeout: 10m, backoff: {base: 2s, max: 1m}}
YAML
cat "$DEMO/ferry.yaml"
"${FERRY[@]}" run --config "$DEMO/ferry.yaml" > "$DEMO/controller.log" 2>&1 & pids+=($!)
# The controller writes its address (and control token) to <state>/controller.json once it listens.
await_url CTL "$!" "$DEMO/controller.log" CTL_PORT "the controller (ferry run)" "$FERRY_STATE/controller.json"
echo "  the controller listens on $CTL"
wait_for "the first snapshot (/readyz)" curl -fs "$CTL/readyz"
status
SNAP_A=$(readlink "$FERRY_STATE/current" | xargs basename)

step "Commit B (CirrOS 0.6.3 in the lab), pushed, announced by a Gerrit ref-updated webhook"
cat >> "$DEMO/checkout/classes/cluster/lab/mirror.yml" <<'YAML'
  _param:
    cirros_version: 0.6.3
    cirros_sha256: 94f64b6d56fcb195d0dd41f1d32c17a0287b47061396a8d267e0deb495ae79db
    cirros_size: 2097275
YAML
(cd "$DEMO/checkout" && "${GIT[@]}" commit -qam "B: CirrOS 0.6.3 in the lab" && git log --oneline -1)
push
B=$(cd "$DEMO/checkout" && git rev-parse HEAD)
hook "$B"
wait_for "B to be served" applied "$B"
status
curl -fsS "$CTL/file/images-cirros/SHA256SUMS"

step "A forged webhook (unknown token) is refused and changes nothing"
curl -s -o /dev/null -w '  POST /hooks/gerrit/<wrong token> -> %{http_code}\n' -X POST "$CTL/hooks/gerrit/not-the-token" -d '{}'

step "git revert B, pushed: A's snapshot is served again, nothing downloaded"
(cd "$DEMO/checkout" && "${GIT[@]}" revert --no-edit HEAD >/dev/null && git log --oneline -1)
push
R=$(cd "$DEMO/checkout" && git rev-parse HEAD)
hook "$R"
wait_for "the revert to be applied" applied "$R"
status
[ "$(readlink "$FERRY_STATE/current" | xargs basename)" = "$SNAP_A" ] && echo "  current is A's snapshot again: $SNAP_A"

step "ferry suspend: a pushed commit waits until ferry resume"
"${FERRY[@]}" suspend --reason "demo: change freeze"
(cd "$DEMO/checkout" && "${GIT[@]}" revert --no-edit HEAD >/dev/null && git log --oneline -1)
push
C=$(cd "$DEMO/checkout" && git rev-parse HEAD)
sleep 1; hook "$C"; sleep 1
status
"${FERRY[@]}" resume
wait_for "C after resume" applied "$C"
status

step "ferry reconcile --wait (ask the running controller), then ferry events"
"${FERRY[@]}" reconcile --wait --force
"${FERRY[@]}" events

step "A few of the Prometheus metrics ($CTL/metrics)"
curl -fsS "$CTL/metrics" | grep -E '^ferry_(reconcile_duration_seconds_count|published_snapshot_info|mirrors|webhook_requests_total|suspended|downloaded_bytes_total)' || true

step "Done. The controller log (JSON lines) is in .demo/controller/controller.log"
