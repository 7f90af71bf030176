/**
 * Benchmark of the model stage against reclass 1.7.0 (issue 3): a generated inventory of about
 * 2,000 classes and 100 nodes (deep reference chains, exports, inventory queries) rendered by
 * both tools in the same run. Prints wall time (whole process, start-up included), Ferry's
 * in-process render time, peak RSS, and the ratios. Needs scripts/install-reclass.sh.
 * Usage: npx tsx bench/render.ts [--nodes 100] [--services 100] [--depth 20]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GEN, generateInventory, type GenOptions } from './render-gen.js';
import { best, compileWorker, measure, workerPath, type Run } from './measure-process.js';

const RECLASS = process.env.FERRY_RECLASS ?? '/opt/ferry-reclass/bin/reclass';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = workerPath('render-worker');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function main(): void {
  if (!existsSync(RECLASS)) throw new Error(`reclass 1.7.0 missing at ${RECLASS}: run scripts/install-reclass.sh as root`);
  const opts: GenOptions = { ...DEFAULT_GEN, nodes: arg('nodes', DEFAULT_GEN.nodes), services: arg('services', DEFAULT_GEN.services), depth: arg('depth', DEFAULT_GEN.depth) };
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-render-'));
  try {
    const g = generateInventory(dir, opts);
    console.log(`inventory: ${g.classes} classes, ${g.nodes} nodes, ~${opts.perCluster * opts.depth + 1} classes per node, reference chains ${opts.depth - 1} deep (${dir})`);
    compileWorker('render-worker');
    const ferry = (mode: string[]): Run => measure(['node', WORKER, dir, ...mode], ROOT);
    const ferryCli = (mode: string[]): Run => measure(['node', join(ROOT, 'dist', 'cli', 'main.js'), 'render', '--model', dir, '-o', 'json', ...mode], ROOT);
    const reclass = (mode: string[]): Run => measure([RECLASS, '-b', dir, '-o', 'json', ...mode], dir);
    if (process.env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is dropped from the measured processes\' environment (Node 20 parses that CA bundle at every start-up; rendering needs no TLS)');
    const nodeStart = best(3, () => measure(['node', '-e', '0'], ROOT));
    console.log(`node start-up (node -e 0): ${nodeStart.wallMs.toFixed(0)} ms, peak RSS ${nodeStart.maxRssMiB.toFixed(0)} MiB`);

    const rows: Array<[string, Run, Run, Run | undefined]> = [];
    for (const [label, mode] of [
      ['whole inventory (--inventory)', ['--inventory']],
      ['one node, ~100 classes (--nodeinfo node001)', ['--nodeinfo', 'node001']],
      ['one node with inventory queries (--nodeinfo node000)', ['--nodeinfo', 'node000']],
    ] as Array<[string, string[]]>) {
      const r = reclass(mode);
      const f = best(3, () => ferry(mode));
      const cli = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? best(3, () => ferryCli(mode)) : undefined;
      rows.push([label, r, f, cli]);
    }
    const floor = best(3, () => ferry(['--parse-only']));
    console.log('');
    for (const [label, r, f, cli] of rows) {
      const inner = JSON.parse(f.out.trim().split('\n').pop() ?? '{}') as { renderMs?: number; listMs?: number; mainCpuMs?: number };
      console.log(label);
      console.log(`  reclass 1.7.0: wall ${r.wallMs.toFixed(0).padStart(6)} ms  cpu ${r.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
      console.log(`  ferry:         wall ${f.wallMs.toFixed(0).padStart(6)} ms  cpu ${f.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${f.maxRssMiB.toFixed(0)} MiB  (in process: list ${inner.listMs?.toFixed(0)} ms, read + render ${inner.renderMs?.toFixed(0)} ms; ${(f.wallMs - nodeStart.wallMs).toFixed(0)} ms beyond node start-up)`);
      if (cli) console.log(`  ferry render:  wall ${cli.wallMs.toFixed(0).padStart(6)} ms  cpu ${cli.cpuMs.toFixed(0).padStart(6)} ms  peak RSS ${cli.maxRssMiB.toFixed(0)} MiB  (the CLI from dist/; ${(cli.wallMs - nodeStart.wallMs).toFixed(0)} ms beyond node start-up)`);
      // reclass runs on one thread; Ferry's process CPU also counts V8's compiler and GC threads.
      const main = inner.mainCpuMs ? `, ${(r.cpuMs / inner.mainCpuMs).toFixed(1)}x by main-thread CPU` : '';
      console.log(`  ratio: ${(r.wallMs / f.wallMs).toFixed(1)}x faster by wall time, ${(r.cpuMs / f.cpuMs).toFixed(1)}x by CPU time${main}; memory ${(f.maxRssMiB / r.maxRssMiB).toFixed(2)}x reclass's (${(f.maxRssMiB - nodeStart.maxRssMiB).toFixed(0)} MiB above node -e 0)`);
    }
    console.log('');
    console.log(`floor: node start-up + reading and parsing all ${g.classes + g.nodes} files, no rendering: wall ${floor.wallMs.toFixed(0)} ms = reclass's whole inventory / ${(rows[0][1].wallMs / floor.wallMs).toFixed(1)}; peak RSS ${floor.maxRssMiB.toFixed(0)} MiB`);
    console.log(`       node -e 0 alone: reclass's whole inventory / ${(rows[0][1].wallMs / nodeStart.wallMs).toFixed(1)}, peak RSS ${nodeStart.maxRssMiB.toFixed(0)} MiB (reclass's whole inventory: ${rows[0][1].maxRssMiB.toFixed(0)} MiB)`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main();
