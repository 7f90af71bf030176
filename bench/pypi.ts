/**
 * Benchmark (not a test): a generated index of 500 projects (one or two versions each, a wheel
 * each, a third of them depending on one or two others; PEP 503 HTML pages and PEP 658
 * .metadata files, as PyPI serves them) served by nginx on loopback. Ferry's pypi mirror against
 * `pip download` (Debian's pip) of the same 500 requirements with their dependencies, same run:
 *   full sync   ferry apply into an empty state            vs  pip download -d <empty dir>
 *   no-op       ferry apply --refresh (nothing changed)    vs  pip download again into the same dir
 * Ferry runs in-process ("warm", as `ferry run` does) and as a fresh CLI process.
 * Then the bytes Ferry fetches to read the dependencies of versions it keeps no wheel of (an
 * sdists-only mirror of projects whose wheels are 1.5 MiB, no PEP 658 files): HTTP ranges
 * against nginx, and the whole wheels against the same nginx with `max_ranges 0` (Range ignored,
 * the way Ferry read them before ranges), same run.
 * Run: `npx tsx bench/pypi.ts [projects]`. Goals (issue 16): full sync at most 0.5x pip's wall
 * time, no-op at most 0.2x.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { reconcile } from '../src/reconcile/reconcile.js';
import { readModelDir } from '../src/source/model-source.js';
import { makeSdist, makeWheel, writeUpstream, type UpstreamProject } from '../test/helpers/pypi-wheels.js';
import { rng } from '../test/helpers/rng.js';
import { REPO_ROOT } from '../test/helpers/run-ferry.js';
import { startNginx } from '../test/integration/serve/nginx-runner.js';

// The CLI figures are the built CLI's (`make bench` builds first), as a site runs it, not tsx's.
if (process.env.FERRY_TEST_USE_DIST === undefined && existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) process.env.FERRY_TEST_USE_DIST = '1';
const { runFerry } = await import('../test/helpers/run-ferry.js');
const run = promisify(execFile);
const count = Number(process.argv[2] ?? 500);
const PYTHON = '/usr/bin/python3';
await run(PYTHON, ['-m', 'pip', '--version']).catch(() => {
  throw new Error(`${PYTHON} -m pip is missing: run scripts/install-pypi.sh`);
});

const tmp = mkdtempSync(join(tmpdir(), 'ferry-pypi-bench-'));
chmodSync(tmp, 0o755);
const upstreamDir = join(tmp, 'upstream');
try {
  const r = rng(16);
  const names = Array.from({ length: count }, (_, i) => `proj${String(i).padStart(4, '0')}`);
  const projects: UpstreamProject[] = names.map((name, i) => {
    const deps = i % 3 === 0 ? [names[(i * 7 + 1) % count], ...(r() < 0.5 ? [names[(i * 13 + 5) % count]] : [])].filter((d) => d !== name) : [];
    const versions = r() < 0.5 ? ['1.0'] : ['1.0', '1.1'];
    return { name, files: versions.map((v) => makeWheel({ name, version: v, requires: deps.map((d) => `${d}>=1.0`) })) };
  });
  await writeUpstream(upstreamDir, projects, { metadataFiles: true });
  const nginx = await startNginx({
    dir: join(tmp, 'nginx'),
    serverBlock: (port) => `server {\n  listen 127.0.0.1:${port};\n  root ${realpathSync(upstreamDir)};\n  index index.html;\n  types { text/html html; application/octet-stream whl metadata; }\n}\n`,
  });
  const index = `http://127.0.0.1:${nginx.port}/simple/`;
  const requirements = join(tmp, 'requirements.txt');
  writeFileSync(requirements, names.map((n) => `${n}\n`).join(''));

  const model = join(tmp, 'model');
  mkdirSync(join(model, 'nodes'), { recursive: true });
  mkdirSync(join(model, 'classes'), { recursive: true });
  writeFileSync(
    join(model, 'nodes', 'mirror.yml'),
    `classes: []\nparameters:\n  ferry:\n    site: {name: bench}\n    mirrors:\n      bench:\n        kind: pypi\n        index_url: ${index}\n        with_deps: true\n        python_versions: ['3.11']\n        projects:\n${names.map((n) => `          - ${n}\n`).join('')}`,
  );
  const files = await readModelDir(model);
  const pipDir = join(tmp, 'pip');
  const pip = () => run(PYTHON, ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-cache-dir', '-q', '--index-url', index, '-d', pipDir, '-r', requirements], { maxBuffer: 64 << 20 });
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const warmState = join(tmp, 'state-warm');
  const cliState = join(tmp, 'state-cli');
  const steps: string[] = [];
  const record = (result: unknown) => {
    const s = (result as { steps?: Record<string, number> } | undefined)?.steps;
    steps.push(s ? Object.entries(s).map(([k, v]) => `${k} ${v} ms`).join(', ') : '?');
  };
  const warm = (refresh: boolean) => async () => record(await reconcile({ stateDir: warmState, model: files, refresh }));
  const cli = (refresh: boolean) => async () => {
    const res = await runFerry(['apply', '--model', model, '--state', cliState, '--json', ...(refresh ? ['--refresh'] : [])]);
    if (res.code !== 0) throw new Error(res.stderr);
    record(JSON.parse(res.stdout));
  };

  const pipFull = await timed(pip);
  const warmFull = await timed(warm(false));
  const cliFull = await timed(cli(false));
  const pipNoop = await timed(pip);
  const warmNoop = await timed(warm(true));
  const cliNoop = await timed(cli(true));
  await nginx.stop();

  // Dependencies read from wheels the mirror does not keep: ranges vs whole wheels.
  const rangedCount = Math.max(10, Math.round(count / 8));
  const rangedDir = join(tmp, 'upstream-ranged');
  const rangedNames = Array.from({ length: rangedCount }, (_, i) => `big${String(i).padStart(3, '0')}`);
  const rangedProjects: UpstreamProject[] = rangedNames.map((name, i) => ({
    name,
    files: [makeSdist(name, '1.0'), makeWheel({ name, version: '1.0', tag: 'cp311-cp311-manylinux_2_17_x86_64', payload: 1536 * 1024, requires: i + 1 < rangedCount ? [`${rangedNames[i + 1]}>=1.0`] : [] })],
  }));
  await writeUpstream(rangedDir, rangedProjects, { metadataFiles: false });
  const wheelBytes = rangedProjects.reduce((n, p) => n + p.files[1].bytes.length, 0);
  const sdistBytes = rangedProjects.reduce((n, p) => n + p.files[0].bytes.length, 0);
  const rangedRun = async (ranges: boolean) => {
    const server = await startNginx({
      dir: join(tmp, `nginx-ranged-${ranges}`),
      serverBlock: (port) => `server {\n  listen 127.0.0.1:${port};\n  root ${realpathSync(rangedDir)};\n  index index.html;\n  ${ranges ? '' : 'max_ranges 0;\n  '}types { text/html html; application/octet-stream whl gz; }\n}\n`,
    });
    const m = join(tmp, `model-ranged-${ranges}`);
    mkdirSync(join(m, 'nodes'), { recursive: true });
    mkdirSync(join(m, 'classes'), { recursive: true });
    writeFileSync(
      join(m, 'nodes', 'mirror.yml'),
      `classes: []\nparameters:\n  ferry:\n    site: {name: bench}\n    mirrors:\n      sdists:\n        kind: pypi\n        index_url: http://127.0.0.1:${server.port}/simple/\n        with_deps: true\n        wheels: false\n        python_versions: ['3.11']\n        projects: [${rangedNames[0]}]\n`,
    );
    const t = performance.now();
    const result = await reconcile({ stateDir: join(tmp, `state-ranged-${ranges}`), model: await readModelDir(m) });
    const ms = performance.now() - t;
    await server.stop();
    return { ms, bytes: result.stats.bytesFetched, files: result.stats.filesFetched };
  };
  const withRanges = await rangedRun(true);
  const wholeWheels = await rangedRun(false);

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const wheels = projects.reduce((n, p) => n + p.files.length, 0);
  console.log(`${count} projects, ${wheels} wheels, PEP 503 HTML pages with PEP 658 .metadata, nginx on loopback; pip ${(await run(PYTHON, ['-m', 'pip', '--version'])).stdout.split(' ')[1]} (Debian)`);
  console.log('| scenario | pip download | Ferry | Ferry / pip | goal |');
  console.log('|---|---|---|---|---|');
  console.log(`| full sync | ${s(pipFull)} | warm ${s(warmFull)}; CLI ${s(cliFull)} | warm ${x(warmFull, pipFull)}, CLI ${x(cliFull, pipFull)} | <= 0.50x |`);
  console.log(`| no-op | ${s(pipNoop)} | warm ${s(warmNoop)}; CLI ${s(cliNoop)} | warm ${x(warmNoop, pipNoop)}, CLI ${x(cliNoop, pipNoop)} | <= 0.20x |`);
  console.log(`steps: full: warm ${steps[0]}; CLI ${steps[1]}`);
  console.log(`steps: no-op: warm ${steps[2]}; CLI ${steps[3]}`);
  console.log(`CLI: ${process.env.FERRY_TEST_USE_DIST === '1' ? 'dist/cli/main.js (built)' : 'src/ through tsx (run make build for the built CLI)'}`);
  console.log('pip mirrors the newest version of each project; Ferry every version the requirements admit (more files), dependencies at the newest.');
  const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  console.log(`\nDependencies from wheels not kept: ${rangedCount} projects in a chain, each an sdist (kept) and a ${mib(wheelBytes / rangedCount)} manylinux wheel (not kept: wheels: false), no PEP 658 files; kept sdists ${mib(sdistBytes)}.`);
  console.log('| METADATA read | bytes fetched (all) | of which for metadata | full sync |');
  console.log('|---|---|---|---|');
  console.log(`| whole wheels (nginx max_ranges 0: Range ignored) | ${mib(wholeWheels.bytes)} | ${mib(wholeWheels.bytes - sdistBytes)} | ${s(wholeWheels.ms)} |`);
  console.log(`| HTTP ranges (nginx) | ${mib(withRanges.bytes)} | ${mib(withRanges.bytes - sdistBytes)} | ${s(withRanges.ms)} |`);
  console.log(`ranges fetch ${x(withRanges.bytes - sdistBytes, wholeWheels.bytes - sdistBytes)} of the metadata bytes (pages included in both).`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
