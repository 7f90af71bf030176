/**
 * One timed Ferry render in its own process, for bench/render.ts: reads the inventory, renders
 * one node (--nodeinfo) or all (--inventory) into reclass's JSON shape, prints timings as JSON.
 * Usage: render-worker.ts DIR (--inventory | --nodeinfo NODE)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderInventory, renderNode, toReclassInventory, toReclassNodeinfo } from '../src/model/index.js';

const [dir, mode, node] = process.argv.slice(2);
const t0 = performance.now();
const files = new Map<string, string>();
const walk = (d: string): void => {
  for (const f of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, f.name);
    if (f.isDirectory()) walk(p);
    else files.set(relative(dir, p), readFileSync(p, 'utf8'));
  }
};
walk(dir);
const t1 = performance.now();
const out = mode === '--inventory' ? toReclassInventory(renderInventory(files)) : toReclassNodeinfo(renderNode(files, node));
const json = JSON.stringify(out);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ readMs: t1 - t0, renderMs: t2 - t1, bytes: json.length, sinceStartMs: performance.now() }) + '\n');
