/**
 * Webhook-to-served latency of a model-only change (goal: at most 1 s): a commit that changes
 * only the model (a mirror's file is served under a new path; its blob is already in the
 * store, so nothing is downloaded) is pushed to a real git server (nginx + git http-backend),
 * a Gerrit ref-updated webhook is POSTed, and the clock stops when the new path is served.
 * Printed next to the floor of the same run: `git fetch` of the same commit by the git CLI.
 *
 *   npx tsx bench/webhook-latency.ts            # 10 rounds
 *   BENCH_ROUNDS=30 npx tsx bench/webhook-latency.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startExampleUpstream } from '../examples/upstream/serve.js';
import { parseControllerConfig } from '../src/controller/config/ferry-config.js';
import { startController } from '../src/controller/controller.js';
import { LAB_NODE, ModelRepo } from '../test/helpers/model-repo.js';
import { startGitServer } from '../test/integration/controller/git-server.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const TOKEN = 'bench-token';
const upstream = await startExampleUpstream();
const server = await startGitServer();
await server.createRepo('model');
const repo = new ModelRepo(upstream.url);
const state = mkdtempSync(join(tmpdir(), 'ferry-bench-hook-'));
const push = () => repo.git('push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main');
push();

const config = parseControllerConfig(
  {
    stateDir: state,
    node: LAB_NODE,
    source: { git: { url: server.url('model'), branch: 'main', auth: { username: server.user, passwordEnv: 'BENCH_GIT_PASSWORD' } } },
    listen: { host: '127.0.0.1', port: 0 },
    poll: false,
    webhooks: { gerrit: { tokenEnv: 'BENCH_GERRIT_TOKEN' } },
  },
  state,
);
const controller = await startController(config, { env: { ...process.env, BENCH_GIT_PASSWORD: server.password, BENCH_GERRIT_TOKEN: TOKEN }, processMetrics: false });
const head0 = repo.head();
while (controller.status().lastAppliedRevision !== head0) await new Promise((r) => setTimeout(r, 50));

const copy = (i: number) => `# bench round ${i}
parameters:
  ferry:
    site:
      base_url: http://mirror01.\${_param:cluster_domain}:8080
    mirrors:
      bench-copy:
        kind: file
        files:
          - url: \${_param:upstream_url}/files/cirros/0.6.2/cirros-0.6.2-x86_64-disk.img
            sha256: 570661167160351bb6893aae2b83edb4dd65442b6f45f30f8547dd456c33f35b
            size: 2097152
            path: copy-${i}.img
`;
// Round 0 downloads nothing new either (same blob); it warms the clone and the caches.
const latencies: number[] = [];
const fetchFloor: number[] = [];
const cli = mkdtempSync(join(tmpdir(), 'ferry-bench-cli-'));
execFileSync('git', ['init', '-q', '--bare', cli]);
for (let i = 0; i <= rounds; i++) {
  repo.write('classes/cluster/lab/mirror.yml', copy(i));
  const rev = repo.commit(`round ${i}`);
  push();
  const start = performance.now();
  const res = await fetch(`${controller.url}/hooks/gerrit/${TOKEN}`, {
    method: 'POST',
    body: JSON.stringify({ type: 'ref-updated', refUpdate: { refName: 'refs/heads/main', newRev: rev, project: 'model' } }),
  });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  for (;;) {
    const r = await fetch(`${controller.url}/file/bench-copy/copy-${i}.img`, { method: 'HEAD' });
    if (r.status === 200) break;
    if (performance.now() - start > 30_000) throw new Error(`round ${i}: not served after 30 s: ${JSON.stringify(controller.status().lastErrors)}`);
    await new Promise((r2) => setTimeout(r2, 5));
  }
  const ms = performance.now() - start;
  const t = performance.now();
  execFileSync('git', ['-C', cli, 'fetch', '-q', server.authUrl('model'), 'main']);
  const floor = performance.now() - t;
  if (i > 0) {
    latencies.push(ms);
    fetchFloor.push(floor);
  }
}
const fetchMetric = (await controller.metrics.gitFetchDuration.get()).values;
const fetchSum = fetchMetric.find((v) => v.metricName === 'ferry_git_fetch_duration_seconds_sum')?.value ?? 0;
const fetchCount = fetchMetric.find((v) => v.metricName === 'ferry_git_fetch_duration_seconds_count')?.value ?? 1;
const runs = controller.status().recentRuns.filter((r) => r.result === "succeeded");
const measured = runs.slice(-rounds);
const bytes = measured.reduce((s, r) => s + (r.bytesFetched ?? 0), 0);
const applyMs = measured.map((r) => r.durationMs ?? 0);
await controller.close();
await server.stop();
await upstream.close();
rmSync(state, { recursive: true, force: true });
rmSync(cli, { recursive: true, force: true });
rmSync(repo.dir, { recursive: true, force: true });

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const f = (ms: number) => `${ms.toFixed(0)} ms`;
console.log(`webhook → served, model-only change, ${rounds} rounds (bytes downloaded by the measured rounds: ${bytes})`);
console.log(`  ferry controller   median ${f(pct(latencies, 50))}   p90 ${f(pct(latencies, 90))}   max ${f(Math.max(...latencies))}`);
console.log(`  reconcile runs (render → publish → retention) median ${f(pct(applyMs, 50))}; the new path is served at publish, before retention ends`);
const stepNames = [...new Set(measured.flatMap((r) => Object.keys(r.steps ?? {})))];
if (stepNames.length) console.log(`  reconcile steps (median ms): ${stepNames.map((n) => `${n} ${pct(measured.map((r) => r.steps?.[n] ?? 0), 50).toFixed(0)}`).join(', ')}`);
console.log(`  git fetch by the controller (isomorphic-git, all runs) mean ${f((fetchSum / fetchCount) * 1000)}`);
console.log(`  git CLI fetch      median ${f(pct(fetchFloor, 50))}   (the floor: fetching the same commit over the same server)`);
console.log(`  ratio ferry/git-fetch (median): ${(pct(latencies, 50) / pct(fetchFloor, 50)).toFixed(1)}x   goal ≤ 1000 ms: ${pct(latencies, 90) <= 1000 ? 'met (p90)' : 'NOT met (p90)'}`);
