/**
 * Ferry's side of bench/render-mcp.ts, in its own process:
 *   DIR --inventory | --nodeinfo NODE   one cold render, as bench/render-worker.ts
 *   DIR --warm NODE FILE                a controller's re-render after a one-class commit: the
 *                                       node is rendered, then 40 commits each change one
 *                                       value of FILE (a new model, as a new commit gives: every
 *                                       other file is the same blob) and the node is rendered
 *                                       again; prints the first re-render (a controller just
 *                                       started) and the median of the last 30 (a warm one),
 *                                       wall and CPU time.
 */
import { readFileSync } from 'node:fs';
import { openModelDir } from '../src/source/model-dir.js';
import { renderInventory, renderNode, toPyJson, toReclassInventory, toReclassNodeinfo } from '../src/model/index.js';

const [dir, mode, node, file] = process.argv.slice(2);
const t0 = performance.now();
const files = openModelDir(dir);
if (mode === '--warm') {
  const base = new Map(files);
  let current: Map<string, string> = base;
  renderNode(current, node, { incremental: true });
  const wall: number[] = [];
  const cpu: number[] = [];
  const text = base.get(file) ?? '';
  for (let i = 1; i <= 40; i++) {
    // A commit: one value of one class changes, every other file is the same blob (the same text).
    const next = new Map(current);
    next.set(file, `${text}# commit ${i}\n`.replace(/workers: (\d+)\n/, (_m, n: string) => `workers: ${Number(n) + i}\n`));
    const t = performance.now();
    const c = process.cpuUsage();
    const out = toReclassNodeinfo(renderNode(next, node, { incremental: true }));
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
    if (!JSON.stringify(out).includes(node)) throw new Error('bad render');
    current = next;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(JSON.stringify({ firstWallMs: wall[0], firstCpuMs: cpu[0], warmWallMs: median(wall.slice(10)), warmCpuMs: median(cpu.slice(10)), rssMiB: process.memoryUsage().rss / 2 ** 20 }) + '\n');
} else {
  const out = mode === '--inventory' ? toReclassInventory(renderInventory(files)) : toReclassNodeinfo(renderNode(files, node));
  // The output as `ferry render -o json` writes it (reclass writes its JSON too).
  const bytes = toPyJson(out).length;
  process.stdout.write(JSON.stringify({ renderMs: performance.now() - t0, bytes, mainCpuMs: Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6 }) + '\n');
}
