/**
 * What rendering in a worker thread costs (issue 11: `ferry run` and `ferry apply` render each
 * revision in a worker with a heap limit, src/reconcile/isolated-desired.ts). Same process, same
 * run, alternating: the desired state computed in this thread (modules loaded, as the controller
 * did before), in a fresh worker (what `ferry apply` pays) and in a warm one (what `ferry run`
 * pays per revision after its first), on the
 * example model and on one node of bench/render-gen.ts's 2,005-class inventory. Uses the compiled
 * modules (`make build` first).
 *
 *   npx tsx bench/render-isolation.ts          # 10 runs each
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { generateInventory } from './render-gen.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const dist = (p: string) => pathToFileURL(resolve('dist', p)).href;
const { closeRenderWorker, loadDesiredIsolated } = (await import(dist('reconcile/isolated-desired.js'))) as typeof import('../src/reconcile/isolated-desired.js');
const { openModelDir } = (await import(dist('source/model-dir.js'))) as typeof import('../src/source/model-dir.js');
const { renderNode } = (await import(dist('model/index.js'))) as typeof import('../src/model/index.js');
const { loadDesired } = (await import(dist('reconcile/apply-desired.js'))) as typeof import('../src/reconcile/apply-desired.js');

const root = mkdtempSync(join(tmpdir(), 'ferry-bench-iso-'));
generateInventory(root);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Fn = () => unknown;

async function measure(label: string, inline: Fn, isolated: (keepWarm: boolean) => Promise<unknown>): Promise<void> {
  const cols: Record<string, number[]> = { 'in this thread': [], 'fresh worker': [], 'warm worker': [] };
  inline();
  await isolated(true);
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of [['in this thread', inline], ['fresh worker', async () => (await closeRenderWorker(), isolated(true))], ['warm worker', () => isolated(true)]] as const) {
      const t = performance.now();
      await fn();
      cols[name].push(performance.now() - t);
    }
  }
  console.log(`${label.padEnd(42)} ${Object.entries(cols).map(([k, v]) => `${k} ${median(v).toFixed(1).padStart(6)} ms`).join('   ')}`);
}

console.log(`median of ${runs} runs each; an empty worker (new Worker + exit) takes ${(await emptyWorker()).toFixed(1)} ms here`);
const example = openModelDir(resolve('examples/cluster-model'));
await measure('example model (render, validate, desired)', () => loadDesired(example, { node: 'mirror01.lab.local' }), (keepWarm) => loadDesiredIsolated(example, { node: 'mirror01.lab.local', keepWarm }));
// The generated nodes carry no parameters.ferry: in the worker, validation fails after the whole render.
const node = 'node000';
await measure('2,005-class inventory, one node (render)', () => renderNode(openModelDir(root), node), (keepWarm) => loadDesiredIsolated(openModelDir(root), { node, keepWarm }).catch(() => undefined));
await closeRenderWorker();
rmSync(root, { recursive: true, force: true });

async function emptyWorker(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await new Promise((r) => new Worker('0', { eval: true }).once('exit', r));
    times.push(performance.now() - t);
  }
  return median(times);
}
