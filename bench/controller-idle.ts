/**
 * The controller's idle cost (issue 14): 20 deb mirrors refreshed every 5 minutes, nothing
 * changing upstream. What it costs per hour in upstream requests and CPU seconds, next to the
 * peer, aptly, run from cron (`aptly mirror update` of the 20 mirrors every 5 minutes).
 *
 * Measured with shortened intervals and scaled, as said in the output: the controller runs
 * in this process as `ferry run` starts it (process metrics on; source: a model folder, no
 * webhooks, no poll) against nginx on loopback
 * (requests counted in its access log), first with no refresh schedule (the baseline: timers,
 * suspension checks) for BASE_S seconds, then with `site.refresh: INTERVAL_S` for WINDOW_S
 * seconds. Per hour at 5 minutes: baseline CPU rate × 3600 + (refresh CPU − baseline) per
 * mirror refresh × 20 × 12; requests per mirror refresh × 20 × 12. aptly: one cron cycle (20 mirror
 * updates, sequential), its CPU (children's user+sys from /proc/self/stat) and requests × 12.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseControllerConfig } from '../src/controller/config/ferry-config.js';
import { startController } from '../src/controller/controller.js';
import { makeGpgKey } from '../test/helpers/deb-gpg.js';
import { makeUpstream } from '../test/helpers/deb-repo.js';
import { startNginxStatic } from '../test/helpers/nginx-static.js';

const run = promisify(execFile);
const MIRRORS = 20;
const REAL_INTERVAL_S = 300;
const INTERVAL_S = Number(process.env.FERRY_BENCH_INTERVAL ?? 3);
const WINDOW_S = Number(process.env.FERRY_BENCH_WINDOW ?? 30);
const BASE_S = Number(process.env.FERRY_BENCH_BASE ?? 15);

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** CPU seconds of waited-for children (cutime + cstime, clock ticks of 1/100 s). */
async function childCpu(): Promise<number> {
  const f = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-bench-idle-'));
  const key = await makeGpgKey('Bench Upstream');
  const log = join(tmp, 'access.log');
  try {
    await makeUpstream(join(tmp, 'up', 'debian'), Array.from({ length: 200 }, (_, i) => ({ name: `pkg${i}`, version: '1.0' })), { key, byHash: true, real: false });
    const nginx = await startNginxStatic(join(tmp, 'up'), { accessLog: log });
    const lines = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const requests = async () => (await lines()).length;
    // Each mirror refresh asks for its InRelease once (conditionally): the count of mirror refreshes.
    const refreshes = async () => (await lines()).filter((l) => l.includes('/InRelease ')).length;
    const url = `${nginx.url}/debian`;
    const model = join(tmp, 'model');
    await mkdir(join(model, 'nodes'), { recursive: true });
    await mkdir(join(model, 'classes'), { recursive: true });
    const node = (refresh: string) =>
      `classes: []\nparameters:\n  ferry:\n    site:\n      name: bench\n${refresh}    mirrors:\n` +
      Array.from({ length: MIRRORS }, (_, i) => `      m${i}:\n        kind: deb\n        url: ${url}\n        suites: [bookworm]\n        components: [main]\n        architectures: [amd64]\n        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`).join('');
    const measure = async (refresh: string, seconds: number) => {
      await writeFile(join(model, 'nodes', 'mirror.yml'), node(refresh));
      const state = join(tmp, `state-${refresh ? 'refresh' : 'base'}`);
      const config = parseControllerConfig({ stateDir: state, source: { dir: model }, watch: false, poll: false, listen: { port: 0 }, refresh: { jitter: 0.1, coalesce: '1s' } }, tmp);
      // As `ferry run` starts it: with the process metrics (their event-loop lag sampling included).
      const controller = await startController(config, { processMetrics: true });
      for (let i = 0; i < 600 && !(controller.status().published && controller.status().phase === 'idle'); i++) await sleep(0.1);
      await sleep(1);
      const r0 = await requests();
      const m0 = await refreshes();
      const c0 = cpu();
      const w0 = process.resourceUsage().voluntaryContextSwitches;
      const runs0 = controller.status().recentRuns.length;
      await sleep(seconds);
      const out = { cpu: cpu() - c0, requests: (await requests()) - r0, runs: controller.status().recentRuns.length - runs0, mirrorRefreshes: (await refreshes()) - m0, wakeups: process.resourceUsage().voluntaryContextSwitches - w0 };
      await controller.close();
      return out;
    };
    console.log(`controller idle cost: ${MIRRORS} deb mirrors (200 packages each, nginx on loopback), nothing changing upstream`);
    const base = await measure('', BASE_S);
    const busy = await measure(`      refresh: ${INTERVAL_S}s\n`, WINDOW_S);
    // Scaled per mirror refresh (one InRelease request each): a loaded machine runs fewer
    // refreshes than the window allows, and a run may take only the mirrors due; what one mirror
    // refresh costs is what scales, to 20 mirrors × 12 refreshes an hour.
    const cyclesH = 3600 / REAL_INTERVAL_S;
    const baseRate = base.cpu / BASE_S;
    const n = Math.max(1, busy.mirrorRefreshes);
    const perRefreshCpu = (busy.cpu - baseRate * WINDOW_S) / n;
    const perRefreshReq = busy.requests / n;
    const ferryCpuH = baseRate * 3600 + perRefreshCpu * MIRRORS * cyclesH;
    const ferryReqH = perRefreshReq * MIRRORS * cyclesH;
    console.log(`idle with no refresh schedule: ${((base.cpu / BASE_S) * 3600).toFixed(1)} CPU s/h, ${((base.wakeups / BASE_S) * 3600).toFixed(0)} wakeups/h (voluntary context switches, all threads)`);
    console.log(`measured: baseline ${base.cpu.toFixed(2)} CPU s in ${BASE_S} s; with refresh every ${INTERVAL_S} s: ${busy.cpu.toFixed(2)} CPU s, ${busy.requests} upstream requests, ${busy.runs} refresh runs, ${busy.mirrorRefreshes} mirror refreshes in ${WINDOW_S} s: ${perRefreshReq.toFixed(2)} requests and ${(perRefreshCpu * 1000).toFixed(1)} CPU ms per mirror refresh (scaled to ${MIRRORS} mirrors × ${cyclesH} refreshes an hour)`);

    // aptly from cron: every 5 minutes, `aptly mirror update` of each of the 20 mirrors.
    const aroot = join(tmp, 'aptly');
    const conf = join(tmp, 'aptly.conf');
    await writeFile(conf, JSON.stringify({ rootDir: aroot, downloadConcurrency: 4, architectures: ['amd64'], gpgProvider: 'gpg' }));
    const keyring = join(tmp, 'trusted.gpg');
    await run('gpg', ['--homedir', key.home, '--batch', '--export', '--output', keyring, key.fingerprint]);
    const aptly = (...args: string[]) => run('aptly', [`-config=${conf}`, ...args], { env: { ...process.env, GNUPGHOME: key.home }, maxBuffer: 1 << 26 });
    for (let i = 0; i < MIRRORS; i++) {
      await aptly('mirror', 'create', `-keyring=${keyring}`, `m${i}`, url, 'bookworm', 'main');
      await aptly('mirror', 'update', `-keyring=${keyring}`, `m${i}`);
    }
    const ar0 = await requests();
    const ac0 = await childCpu();
    for (let i = 0; i < MIRRORS; i++) await aptly('mirror', 'update', `-keyring=${keyring}`, `m${i}`);
    const aptlyCycle = { cpu: (await childCpu()) - ac0, requests: (await requests()) - ar0 };
    const aptlyCpuH = aptlyCycle.cpu * (3600 / REAL_INTERVAL_S);
    const aptlyReqH = aptlyCycle.requests * (3600 / REAL_INTERVAL_S);
    console.log(`aptly: one cron cycle (${MIRRORS} mirror updates): ${aptlyCycle.cpu.toFixed(2)} CPU s, ${aptlyCycle.requests} upstream requests`);
    console.log('');
    console.log('| per hour, 20 mirrors, 5-minute refreshes | Ferry (ferry run) | aptly mirror update (cron) | ratio |');
    console.log('|---|---|---|---|');
    console.log(`| upstream requests | ${ferryReqH.toFixed(0)} | ${aptlyReqH.toFixed(0)} | ${(ferryReqH / aptlyReqH).toFixed(2)}x |`);
    console.log(`| CPU seconds | ${ferryCpuH.toFixed(1)} | ${aptlyCpuH.toFixed(1)} | ${(ferryCpuH / aptlyCpuH).toFixed(2)}x |`);
    console.log(`floor: ${MIRRORS * (3600 / REAL_INTERVAL_S)} requests/h (one conditional InRelease per mirror per refresh); Ferry's baseline with no refresh at all: ${(baseRate * 3600).toFixed(1)} CPU s/h`);
    await nginx.close();
  } finally {
    await key.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
