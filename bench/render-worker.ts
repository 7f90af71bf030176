/**
 * One timed Ferry render in its own process, for bench/render.ts: opens the inventory as the
 * CLI does (files listed, texts read when the renderer asks), renders one node (--nodeinfo) or
 * all (--inventory) into reclass's JSON shape, prints timings as JSON. `--parse-only` reads and
 * parses every file and renders nothing (the floor under any whole-inventory render).
 * Usage: render-worker.ts DIR (--inventory | --nodeinfo NODE | --parse-only)
 */
import { openModelDir } from '../src/source/model-dir.js';
import { renderInventory, renderNode, toReclassInventory, toReclassNodeinfo } from '../src/model/index.js';
import { loadYaml } from '../src/model/yaml/yaml-load.js';
import { readFileSync } from 'node:fs';

/** CPU time of this (the main) thread so far, in ms: what the render itself costs, without the JIT and GC helper threads. */
function mainThreadCpuMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}
const cpu0 = mainThreadCpuMs();

const [dir, mode, node] = process.argv.slice(2);
const t0 = performance.now();
const files = openModelDir(dir);
const t1 = performance.now();
let bytes = 0;
if (mode === '--parse-only') {
  for (const [file, text] of files) if (loadYaml(file, text).root) bytes += text.length;
} else {
  const out = mode === '--inventory' ? toReclassInventory(renderInventory(files)) : toReclassNodeinfo(renderNode(files, node));
  bytes = JSON.stringify(out).length;
}
const t2 = performance.now();
const cpu2 = mainThreadCpuMs();
process.stdout.write(JSON.stringify({ listMs: t1 - t0, renderMs: t2 - t1, bytes, sinceStartMs: performance.now(), mainCpuMs: cpu2, mainCpuAtStartMs: cpu0 }) + '\n');
