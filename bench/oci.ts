/**
 * Benchmark (not a test): 5 generated images (a shared 16 MiB base layer, two own layers each,
 * one a 2-platform index) in Debian's docker-registry on loopback; Ferry's oci mirror against
 * `skopeo sync` (Debian's skopeo 1.9) on the same images, same run:
 *   full sync         ferry apply into an empty state  vs  skopeo sync --src yaml --dest docker (a second docker-registry)
 *   no-op refresh     ferry apply --refresh             vs  the same skopeo sync again
 *   blobs fetched     blob GETs counted in the registry's access log (shared ones once?)
 *   serving           skopeo copy docker://… dir: of the 5 images from `ferry serve`, and from nginx with
 *                     the configuration Ferry prints, vs from docker-registry
 * Ferry runs in-process ("warm", as `ferry run` does after its first reconcile) and as a fresh
 * CLI process (the build when there is one). Full sync and no-op, warm and skopeo: medians of
 * ROUNDS (3) runs taken in turn, each full sync into a fresh state / a fresh docker-registry (a
 * registry that holds the blobs already would let skopeo mount them instead of pushing).
 * Run: `npx tsx bench/oci.ts [baseMiB]`. Goals (issue 13): full and no-op at most 0.7x skopeo's
 * wall time; shared blobs fetched once; serving at least as fast as docker-registry.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { reconcile } from '../src/reconcile/reconcile.js';
import { readModelDir } from '../src/source/model-source.js';
import { servingDeclarations } from '../src/drivers/registry.js';
import { NJS_SCRIPTS, renderNginxServerBlock } from '../src/serve/nginx-config.js';
import { startServer } from '../src/serve/server.js';
import { startNginx } from '../test/integration/serve/nginx-runner.js';
import { image, index, layer, pushImage } from '../test/helpers/oci-images.js';
import { requireOciTools, startRegistry } from '../test/helpers/oci-registry.js';
import { REPO_ROOT } from '../test/helpers/run-ferry.js';

// The CLI figures are the built CLI's (`make bench` builds first), as a site runs it, not tsx's.
if (process.env.FERRY_TEST_USE_DIST === undefined && existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) process.env.FERRY_TEST_USE_DIST = '1';
const { runFerry } = await import('../test/helpers/run-ferry.js');

const run = promisify(execFile);
const baseMiB = Number(process.argv[2] ?? 16);
requireOciTools();
const tmp = mkdtempSync(join(tmpdir(), 'ferry-oci-bench-'));
const registry = await startRegistry(join(tmp, 'registry'), { accessLog: true });
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const mirrors: Array<Awaited<ReturnType<typeof startRegistry>>> = [];
try {
  const base = layer('base', baseMiB << 20);
  const images: Array<{ name: string; tag: string }> = [];
  for (let i = 0; i < 4; i++) {
    const built = image({ layers: [base, layer(`own-a-${i}`, 4 << 20), layer(`own-b-${i}`, 2 << 20)], label: String(i) });
    await pushImage(registry.url, `bench/app${i}`, built, ['1.0']);
    images.push({ name: `bench/app${i}`, tag: '1.0' });
  }
  const multi = index([
    { image: image({ layers: [base, layer('amd', 4 << 20)] }), os: 'linux', architecture: 'amd64' },
    { image: image({ layers: [base, layer('arm', 4 << 20)], architecture: 'arm64' }), os: 'linux', architecture: 'arm64' },
  ]);
  await pushImage(registry.url, 'bench/multi', multi, ['1.0']);
  images.push({ name: 'bench/multi', tag: '1.0' });
  const uniqueBlobs = new Set([base.digest]).size + 4 * 3 + 2 * 2; // base + (own a, own b, config) x4 + (layer, config) x2
  const totalMiB = baseMiB + 4 * 6 + 2 * 4;

  const model = join(tmp, 'model');
  mkdirSync(join(model, 'nodes'), { recursive: true });
  mkdirSync(join(model, 'classes'), { recursive: true });
  writeFileSync(
    join(model, 'nodes', 'mirror.yml'),
    `classes: []\nparameters:\n  ferry:\n    site: {name: bench}\n    mirrors:\n      bench:\n        kind: oci\n        registry: ${registry.url}\n        images:\n${images.map((i) => `          - {name: ${i.name}, tags: ["${i.tag}"]}\n`).join('')}`,
  );
  const syncYaml = join(tmp, 'sync.yaml');
  writeFileSync(syncYaml, `${registry.host}:\n  tls-verify: false\n  images:\n${images.map((i) => `    ${i.name}: ["${i.tag}"]\n`).join('')}`);

  const blobGets = () => readFileSync(registry.accessLogFile as string, 'utf8').split('\n').filter((l) => /"GET \/v2\/[^ ]+\/blobs\/sha256:/.test(l)).length;
  const steps: string[] = [];
  const timed = async (fn: () => Promise<unknown>): Promise<{ ms: number; blobs: number }> => {
    const before = blobGets();
    const t = performance.now();
    const result = await fn();
    const s = (result as { steps?: Record<string, number> } | undefined)?.steps;
    if (s) steps.push(Object.entries(s).map(([k, v]) => `${k} ${v} ms`).join(', '));
    const ms = performance.now() - t;
    await new Promise((r) => setTimeout(r, 200));
    return { ms, blobs: blobGets() - before };
  };
  const files = await readModelDir(model);
  const warmState = join(tmp, 'state-warm');
  // "Warm" is Ferry as `ferry run` holds it after its first reconcile: modules loaded, code
  // compiled. One reconcile of another, small image (its own state) makes it so; not timed.
  const warmUp = image({ layers: [layer('warm-up', 1 << 10)] });
  await pushImage(registry.url, 'bench/warm-up', warmUp, ['1.0']);
  const warmUpModel = join(tmp, 'warm-up-model');
  mkdirSync(join(warmUpModel, 'nodes'), { recursive: true });
  writeFileSync(join(warmUpModel, 'nodes', 'mirror.yml'), `classes: []\nparameters:\n  ferry:\n    site: {name: bench}\n    mirrors:\n      warm:\n        kind: oci\n        registry: ${registry.url}\n        images: [{name: bench/warm-up, tags: ["1.0"]}]\n`);
  await reconcile({ stateDir: join(tmp, 'state-warm-up'), model: await readModelDir(warmUpModel) });
  const cliState = join(tmp, 'state-cli');
  // skopeo sync keeps a registry mirror: its destination is a second docker-registry (a `dir`
  // destination refuses to sync again), as Ferry's is its store.
  const skopeoSync = (mirror: { host: string }) => run('skopeo', ['sync', '--all', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', syncYaml, `${mirror.host}/mirror`], { maxBuffer: 64 << 20 });
  /** The median run of `rounds` (by time; its blob count with it). */
  const median = (rounds: Array<{ ms: number; blobs: number }>) => [...rounds].sort((a, b) => a.ms - b.ms)[rounds.length >> 1];

  const rows: Array<[string, string, string, string]> = [];
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const fmt = (r: { ms: number; blobs: number }) => `${(r.ms / 1000).toFixed(2)} s, ${r.blobs} blob GETs`;

  const skFulls: Array<{ ms: number; blobs: number }> = [];
  const warmFulls: Array<{ ms: number; blobs: number }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const mirror = await startRegistry(join(tmp, `mirror-${r}`));
    mirrors.push(mirror);
    skFulls.push(await timed(() => skopeoSync(mirror)));
    const state = r === ROUNDS - 1 ? warmState : join(tmp, `state-warm-${r}`);
    warmFulls.push(await timed(() => reconcile({ stateDir: state, model: files })));
  }
  const skFull = median(skFulls);
  const warmFull = median(warmFulls);
  const cliFull = await timed(async () => {
    const r = await runFerry(['apply', '--model', model, '--state', cliState, '--json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as unknown;
  });
  rows.push(['full sync', fmt(skFull), `warm ${fmt(warmFull)}; CLI ${fmt(cliFull)}`, `warm ${ratio(warmFull.ms, skFull.ms)}, CLI ${ratio(cliFull.ms, skFull.ms)}`]);

  const skNoops: Array<{ ms: number; blobs: number }> = [];
  const warmNoops: Array<{ ms: number; blobs: number }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    skNoops.push(await timed(() => skopeoSync(mirrors[mirrors.length - 1])));
    warmNoops.push(await timed(() => reconcile({ stateDir: warmState, model: files, refresh: true })));
  }
  const skNoop = median(skNoops);
  const warmNoop = median(warmNoops);
  const cliNoop = await timed(async () => {
    const r = await runFerry(['apply', '--model', model, '--state', cliState, '--refresh', '--json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as unknown;
  });
  rows.push(['no-op refresh', fmt(skNoop), `warm ${fmt(warmNoop)}; CLI ${fmt(cliNoop)}`, `warm ${ratio(warmNoop.ms, skNoop.ms)}, CLI ${ratio(cliNoop.ms, skNoop.ms)}`]);

  const server = await startServer({ stateDir: warmState, port: 0 });
  const copyAll = async (host: string, dest: string) => {
    for (const i of images) await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${host}/${i.name}:${i.tag}`, `dir:${dest}-${i.name.replace(/\//g, '-')}`], { maxBuffer: 64 << 20 });
  };
  const fromRegistry = await timed(() => copyAll(registry.host, join(tmp, 'copy-registry')));
  const fromFerry = await timed(() => copyAll(server.url.replace('http://', ''), join(tmp, 'copy-ferry')));
  await server.close();
  // The same snapshot through nginx with the configuration `ferry nginx-config` prints (sendfile).
  chmodSync(tmp, 0o755);
  const nginx = await startNginx({ dir: tmp, serverBlock: (port) => renderNginxServerBlock({ stateDir: realpathSync(warmState), listen: `127.0.0.1:${port}`, serving: servingDeclarations(), njsScripts: NJS_SCRIPTS }) });
  const fromNginx = await timed(() => copyAll(`127.0.0.1:${nginx.port}`, join(tmp, 'copy-nginx')));
  await nginx.stop();
  rows.push([
    'skopeo copy of the 5 images (serving)',
    `docker-registry ${(fromRegistry.ms / 1000).toFixed(2)} s`,
    `ferry serve ${(fromFerry.ms / 1000).toFixed(2)} s; nginx ${(fromNginx.ms / 1000).toFixed(2)} s`,
    `ferry serve ${ratio(fromFerry.ms, fromRegistry.ms)}, nginx ${ratio(fromNginx.ms, fromRegistry.ms)}`,
  ]);

  console.log(`5 images, ${uniqueBlobs} distinct blobs (${totalMiB} MiB; the ${baseMiB} MiB base layer in all 6 manifests), docker-registry on loopback`);
  console.log('| scenario | skopeo sync 1.9 | Ferry | Ferry / skopeo |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`goal: full and no-op <= 0.70x; blobs: Ferry fetches each distinct blob once (${uniqueBlobs}); serving <= 1.00x`);
  const each = (xs: Array<{ ms: number }>) => xs.map((x) => (x.ms / 1000).toFixed(2)).join(' ');
  console.log(`rounds (s): full: skopeo ${each(skFulls)}, warm ${each(warmFulls)}; no-op: skopeo ${each(skNoops)}, warm ${each(warmNoops)}`);
  console.log(`steps: full: warm ${steps[ROUNDS - 1]}; CLI ${steps[ROUNDS]}`);
  console.log(`steps: no-op: warm ${steps[2 * ROUNDS]}; CLI ${steps[2 * ROUNDS + 1]}`);
  console.log(`CLI: ${process.env.FERRY_TEST_USE_DIST === '1' ? 'dist/cli/main.js (built)' : 'src/ through tsx (run make build for the built CLI)'}`);
} finally {
  await registry.stop();
  for (const m of mirrors) await m.stop();
  rmSync(tmp, { recursive: true, force: true });
}
