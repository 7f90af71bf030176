/**
 * Ferry's side of bench/render-mcp.ts, in its own process:
 *   DIR --inventory | --nodeinfo NODE   one cold render, as bench/render-worker.ts
 *   DIR --warm NODE FILE                a controller's re-render after a one-class commit: the
 *                                       node is rendered (warming up), then FILE's text changes
 *                                       (a new model, as a new commit gives) and the node is
 *                                       rendered again, 5 times; prints the best re-render.
 */
import { readFileSync } from 'node:fs';
import { openModelDir } from '../src/source/model-dir.js';
import { renderInventory, renderNode, toReclassInventory, toReclassNodeinfo } from '../src/model/index.js';

const [dir, mode, node, file] = process.argv.slice(2);
const t0 = performance.now();
const files = openModelDir(dir);
if (mode === '--warm') {
  const base = new Map(files);
  let current: Map<string, string> = base;
  renderNode(current, node);
  const times: number[] = [];
  for (let i = 1; i <= 6; i++) {
    // A commit: one class changes, every other file is the same blob (the same text).
    const next = new Map(current);
    next.set(file, `${base.get(file)}# commit ${i}\n`);
    const t = performance.now();
    const out = toReclassNodeinfo(renderNode(next, node));
    times.push(performance.now() - t);
    if (!JSON.stringify(out).includes(node)) throw new Error('bad render');
    current = next;
  }
  const [, ...warm] = times;
  process.stdout.write(JSON.stringify({ rerenderMs: Math.min(...warm), firstRerenderMs: times[0], rssMiB: process.memoryUsage().rss / 2 ** 20 }) + '\n');
} else {
  const out = mode === '--inventory' ? toReclassInventory(renderInventory(files)) : toReclassNodeinfo(renderNode(files, node));
  const bytes = JSON.stringify(out).length;
  process.stdout.write(JSON.stringify({ renderMs: performance.now() - t0, bytes, mainCpuMs: Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6 }) + '\n');
}
