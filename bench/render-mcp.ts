/**
 * Benchmark of the model stage on an inventory shaped like a real MCP 2019.2 cluster (issue 12;
 * bench/render-mcp-gen.ts: ~2,000 classes, 100 nodes of OpenStack control, compute, gateway,
 * database, messaging, proxy and one apt node, ~150 classes and ~2,000 parameter leaves each),
 * against reclass 1.7.0 in the same run. Goals: the whole inventory >= 10x reclass, one node
 * from the CLI >= 3x, a warm controller's re-render after a one-class commit >= 50x, peak RSS
 * no more than reclass's plus Node's own floor. Prints wall and CPU time (the machine may be
 * shared: CPU time is the steadier figure), peak RSS and the ratios.
 * Needs scripts/install-reclass.sh, and `npm run build` for the CLI row.
 * Usage: npx tsx bench/render-mcp.ts [--keep]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMcpInventory } from './render-mcp-gen.js';
import { best, compileWorker, measure, workerPath, type Run } from './measure-process.js';

const RECLASS = process.env.FERRY_RECLASS ?? '/opt/ferry-reclass/bin/reclass';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function row(label: string, r: Run, f: Run, floor: Run, goal: number): void {
  console.log(label);
  console.log(`  reclass 1.7.0: wall ${r.wallMs.toFixed(0).padStart(6)} ms  cpu ${r.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
  console.log(`  ferry:         wall ${f.wallMs.toFixed(0).padStart(6)} ms  cpu ${f.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${f.maxRssMiB.toFixed(0)} MiB`);
  const wall = r.wallMs / f.wallMs;
  const cpu = r.cpuMs / f.cpuMs;
  console.log(`  ratio: ${wall.toFixed(1)}x by wall, ${cpu.toFixed(1)}x by CPU (goal ${goal}x); memory ${f.maxRssMiB.toFixed(0)} MiB vs reclass + node floor ${(r.maxRssMiB + floor.maxRssMiB).toFixed(0)} MiB`);
}

function main(): void {
  if (!existsSync(RECLASS)) throw new Error(`reclass 1.7.0 missing at ${RECLASS}: run scripts/install-reclass.sh as root`);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-render-mcp-'));
  try {
    const g = generateMcpInventory(dir);
    console.log(`inventory: ${g.classes} classes, ${g.nodes} nodes (${dir})`);
    compileWorker('render-mcp-worker');
    const worker = workerPath('render-mcp-worker');
    const floor = best(3, () => measure(['node', '-e', '0'], ROOT));
    console.log(`node start-up (node -e 0): ${floor.wallMs.toFixed(0)} ms, peak RSS ${floor.maxRssMiB.toFixed(0)} MiB\n`);

    const rInv = measure([RECLASS, '-b', dir, '-o', 'json', '--inventory'], dir);
    const fInv = best(3, () => measure(['node', worker, dir, '--inventory'], ROOT));
    row('whole inventory (--inventory)', rInv, fInv, floor, 10);

    const node = 'cmp01.lab.local';
    const rNode = best(3, () => measure([RECLASS, '-b', dir, '-o', 'json', '--nodeinfo', node], dir));
    if (existsSync(CLI)) {
      const fNode = best(3, () => measure(['node', CLI, 'render', '--model', dir, '-o', 'json', '--nodeinfo', node], ROOT));
      row(`one node from the CLI (ferry render --nodeinfo ${node})`, rNode, fNode, floor, 3);
    } else console.log('one node from the CLI: skipped, run `npm run build` first');

    // A commit that changes one class: in the node's classes, and elsewhere.
    for (const [what, file] of [
      ['a class the node uses', `classes/system/${g.firstClassOf.cmp.slice('system.'.length).replace('.', '/')}.yml`],
      ['a class of other nodes', `classes/system/${g.firstClassOf.ctl.slice('system.'.length).replace('.', '/')}.yml`],
    ]) {
      const w = measure(['node', worker, dir, '--warm', node, file], ROOT);
      const inner = JSON.parse(w.out.trim().split('\n').pop() ?? '{}') as { firstWallMs: number; firstCpuMs: number; warmWallMs: number; warmCpuMs: number };
      console.log(`re-render of ${node} after a commit changing one value of ${what} (${file}), in the controller's process:`);
      console.log(`  first commit after start: wall ${inner.firstWallMs.toFixed(1)} ms, cpu ${inner.firstCpuMs.toFixed(1)} ms -> ${(rNode.wallMs / inner.firstWallMs).toFixed(0)}x by wall, ${(rNode.cpuMs / inner.firstCpuMs).toFixed(0)}x by CPU`);
      console.log(`  warm (median of commits 11-40): wall ${inner.warmWallMs.toFixed(1)} ms, cpu ${inner.warmCpuMs.toFixed(1)} ms -> ${(rNode.wallMs / inner.warmWallMs).toFixed(0)}x by wall, ${(rNode.cpuMs / inner.warmCpuMs).toFixed(0)}x by CPU (goal 50x; reclass renders from scratch: wall ${rNode.wallMs.toFixed(0)} ms, cpu ${rNode.cpuMs.toFixed(0)} ms)`);
    }
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main();
