/**
 * A long-lived Ferry process for bench/deb.ts, the way the controller runs reconciles: modules
 * loaded once, then one reconcile per request line on stdin ({"node","state","refresh"}), each
 * answered on stdout with its wall time, outcome, request count and the process's peak RSS.
 * Like a controller after its first reconcile, it has the modules a reconcile loads on use
 * (drivers, HTTP transport, openpgp.js) loaded before the first timed run.
 */
import { createInterface } from 'node:readline';
import { readModelAtCommit } from '../src/source/model-source.js';
import { reconcile } from '../src/reconcile/reconcile.js';

const repo = process.argv[2];
const { loadDriver, supportedKinds } = await import('../src/drivers/registry.js');
await Promise.all([...supportedKinds().map((k) => loadDriver(k)), import('../src/transport/http-fetcher.js'), import('openpgp')]);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const req = JSON.parse(line) as { node: string; state: string; refresh?: boolean };
  const t0 = performance.now();
  // When the reconcile's own log lines arrive: where the time goes, step by step.
  const marks: Record<string, number> = {};
  const info = (message: string) => {
    marks[message] = performance.now() - t0;
  };
  const logger = { debug() {}, info, warn() {}, error() {} };
  try {
    const { commit, files } = await readModelAtCommit({ dir: repo, ref: 'main' });
    marks.model = performance.now() - t0;
    const r = await reconcile({ stateDir: req.state, model: files, node: req.node, commit, refresh: req.refresh, logger });
    const wall = (performance.now() - t0) / 1000;
    const at = (k: string) => marks[k] ?? 0;
    // The reconcile reports its own step timings; reading the model at the commit comes first.
    const steps = { model: at('model'), ...(r.steps ?? {}) };
    process.stdout.write(`${JSON.stringify({ wall, outcome: r.outcome, requests: r.stats.requests, files: r.stats.filesFetched, rssMb: process.resourceUsage().maxRSS / 1024, steps })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  }
}
