/**
 * Start-up of the `ferry` command as a fresh process (what a CI job or an operator pays per
 * call), next to `node -e 0` in the same run: render --nodeinfo, validate, plan and a no-op
 * `apply --refresh` of a file mirror whose upstream did not change: wall and CPU time. Runs the built CLI
 * (`make build` first) at the default log level; the commands alternate so a busy machine
 * hurts them all alike. FERRY_BIN may list several builds (comma-separated) to compare them in
 * the same run, e.g. a copy of dist/ from before a change.
 *
 *   npx tsx bench/cli-startup.ts               # 15 runs each
 *   BENCH_RUNS=30 FERRY_BIN=/tmp/old/dist/cli/main.js,dist/cli/main.js npx tsx bench/cli-startup.ts
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const bins = (process.env.FERRY_BIN ?? 'dist/cli/main.js').split(',').map((b) => resolve(b));
const body = Buffer.from('ferry start-up bench\n');
const sha = createHash('sha256').update(body).digest('hex');

const upstream = createServer((_req, res) => res.writeHead(200, { 'Content-Length': body.length }).end(body));
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const port = (upstream.address() as { port: number }).port;

const root = mkdtempSync(join(tmpdir(), 'ferry-bench-startup-'));
const model = join(root, 'model');
const state = join(root, 'state');
mkdirSync(join(model, 'classes', 'system'), { recursive: true });
mkdirSync(join(model, 'nodes'), { recursive: true });
writeFileSync(
  join(model, 'classes', 'system', 'mirrors.yml'),
  ['parameters:', '  ferry:', '    site: {name: bench, retention: 5}', '    mirrors:', '      tools:', '        kind: file', '        files:', `          - {url: "http://127.0.0.1:${port}/tool.tar.gz", sha256: ${sha}, size: ${body.length}, path: tool.tar.gz}`, ''].join('\n'),
);
writeFileSync(join(model, 'nodes', 'mirror01.yml'), 'classes:\n  - system.mirrors\n');

/** Wall time and CPU time (user + sys, from GNU time: 10 ms steps) of one run, ms. */
function time(argv: string[]): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  return new Promise((ok, fail) =>
    execFile('/usr/bin/time', ['-f', 'FERRYCPU %U %S', process.execPath, ...argv], { env: { ...process.env, NODE_OPTIONS: '' } }, (error, _stdout, stderr) => {
      const wall = performance.now() - started;
      const m = /FERRYCPU ([0-9.]+) ([0-9.]+)\s*$/.exec(stderr);
      if (error || !m) fail(new Error(`${argv.join(' ')}: ${stderr || error?.message}`));
      else ok({ wall, cpu: (Number(m[1]) + Number(m[2])) * 1000 });
    }),
  );
}

const cases: Array<[string, string[]]> = [['node -e 0', ['-e', '0']]];
for (const [b, bin] of bins.entries()) {
  const ferry = (...args: string[]) => [bin, ...args];
  const tag = bins.length > 1 ? `[${b + 1}] ` : '';
  cases.push(
    [`${tag}ferry --version`, ferry('--version')],
    [`${tag}render --nodeinfo`, ferry('render', '--model', model, '--nodeinfo', 'mirror01')],
    [`${tag}validate`, ferry('validate', '--model', model)],
    [`${tag}plan`, ferry('plan', '--model', model, '--state', state)],
    [`${tag}apply --refresh (no-op)`, ferry('apply', '--model', model, '--state', state, '--refresh')],
  );
}

await time([bins[0], 'apply', '--model', model, '--state', state]);
const samples = new Map<string, Array<{ wall: number; cpu: number }>>(cases.map(([name]) => [name, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const [name, argv] of cases) {
    const ms = await time(argv);
    if (i > 0) samples.get(name)!.push(ms); // the first round warms the disk cache
  }
}
upstream.close();
rmSync(root, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const of = (name: string, what: 'wall' | 'cpu') => median(samples.get(name)!.map((x) => x[what]));
const base = { wall: of('node -e 0', 'wall'), cpu: of('node -e 0', 'cpu') };
console.log(`${runs} runs each, medians (CPU: user + sys, the steadier figure on a shared machine); ${bins.map((b, i) => (bins.length > 1 ? `[${i + 1}] ${b}` : b)).join('  ')}`);
console.log('command                     wall ms  - node -e 0  / node -e 0    CPU ms  - node -e 0  / node -e 0');
for (const [name] of cases) {
  const cells = (['wall', 'cpu'] as const).map((w) => {
    const m = of(name, w);
    return `${m.toFixed(0).padStart(7)} ${(m - base[w]).toFixed(0).padStart(12)} ${(m / base[w]).toFixed(2).padStart(11)}`;
  });
  console.log(`${name.padEnd(26)} ${cells.join('  ')}`);
}
