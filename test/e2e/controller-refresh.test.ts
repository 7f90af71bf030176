/**
 * Issue 14 end to end: `ferry run`'s controller with the model in a real git server (nginx +
 * git http-backend) and nginx as the upstreams of two deb mirrors and a file mirror.
 *
 * - the upstream gains 50 packages: the scheduled refresh publishes them within the interval,
 *   the history says which upstream change caused it, and apt-get sees them;
 * - the second mirror's upstream goes down: the next snapshot keeps its last good content, the
 *   site keeps serving it, /status, the metrics, the events, the history and the status page
 *   (in headless chromium) say why; it recovers on its own when the upstream is back;
 * - during a sync (held half-way by its upstream) /status, the metrics and the status page
 *   show the progress;
 * - a model revert re-publishes the old snapshot and holds refreshes: the next refresh does
 *   not undo it; `ferry resume` releases them;
 * - keys: upstream signed with a key the model does not trust fails that mirror (its last good
 *   content served); the commit that trusts the new key verifies it again at once; a commit
 *   whose key does not verify the upstream fails as a whole, nothing published.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControllerConfig } from '../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../src/controller/controller.js';
import { readEvents } from '../../src/controller/events/event-log.js';
import { setRefreshHold } from '../../src/controller/refresh/refresh-hold.js';
import type { ControllerStatus, MirrorStatus } from '../../src/controller/status/status-board.js';
import { readHistory } from '../../src/store/history.js';
import { dumpDom } from '../helpers/chromium.js';
import { makeAptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { buildPackages, makeUpstream, writeArchive, type UpstreamRepo } from '../helpers/deb-repo.js';
import { startNginxStatic, type NginxStatic } from '../helpers/nginx-static.js';
import { git, startGitServer, type GitServer } from '../integration/controller/git-server.js';

const INTERVAL_S = 4;
let tmp: string;
let key: GpgKey;
let debian: UpstreamRepo;
let extra: UpstreamRepo;
let upA: NginxStatic;
let upB: NginxStatic;
/** The big image's upstream: sends the first half, then holds the rest until `release()`, so a sync can be looked at while it runs. */
let slow: { url: string; release(): void; close(): Promise<void> };
let server: GitServer;
let work: string;
let state: string;
let controller: RunningController;
const BIG = Buffer.alloc(1536 * 1024, 7);
const SMALL = Buffer.from('small image\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
/** The model; `keys` replaces a deb mirror's trusted key (default: the upstreams' signing key). */
function model(withBig = false, keys: Partial<Record<'debian' | 'extra', GpgKey>> = {}): string {
  const deb = (name: 'debian' | 'extra', url: string) => `      ${name}:
        kind: deb
        url: ${url}
        suites: [bookworm]
        components: [main]
        architectures: [amd64]
        keys:
          - |
${indent((keys[name] ?? key).publicArmored, 12)}
`;
  const big = withBig ? `          - {url: ${slow.url}/big.img, sha256: ${sha(BIG)}, size: ${BIG.length}}\n` : '';
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
      refresh: ${INTERVAL_S}s
    mirrors:
${deb('debian', `${upA.url}/debian`)}${deb('extra', `${upB.url}/extra`)}      images:
        kind: file
        refresh: 1d
        files:
          - {url: ${upA.url}/small.img, sha256: ${sha(SMALL)}, size: ${SMALL.length}}
${big}`;
}

async function commit(text: string, message: string): Promise<string> {
  writeFileSync(join(work, 'nodes', 'mirror01.yml'), text);
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-qm', message]);
  await git(work, ['push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main']);
  return git(work, ['rev-parse', 'HEAD']);
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) {
      const s = await status().catch(() => undefined);
      const brief = s && { phase: s.phase, published: s.published?.snapshot, lastRun: s.lastRun, errors: s.lastErrors.slice(0, 3), mirrors: s.mirrors.map((m) => [m.id, m.condition.type, m.condition.reason, m.error]) };
      throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(brief)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
const status = async () => (await (await fetch(`${controller.url}/status`)).json()) as ControllerStatus;
const mirror = (s: ControllerStatus, id: string) => s.mirrors.find((m) => m.id === id) as MirrorStatus;
const history = () => readHistory(join(state, 'history.jsonl'));

async function addPackages(repo: UpstreamRepo, names: string[]): Promise<void> {
  repo.packages.push(...(await buildPackages(repo.dir, names.map((name) => ({ name, version: '1.0' })))));
  // A refresh that lands while dists/ is rewritten fails and is retried after the backoff.
  await writeArchive(repo, { key, byHash: true });
}

async function aptDownload(base: string, name: string, pkg: string): Promise<string[]> {
  const keyFile = join(tmp, `${name}-key.asc`);
  writeFileSync(keyFile, await (await fetch(`${base}/deb/${name}/archive-key.asc`)).text());
  const apt = await makeAptRoot({ sources: [`deb [signed-by=SIGNED_BY] ${base}/deb/${name} bookworm main`], keyFile });
  try {
    const update = await apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    await apt.apt(['install', '--download-only', '--no-install-recommends', '-y', pkg]);
    return await apt.downloaded();
  } finally {
    rmSync(apt.root, { recursive: true, force: true });
  }
}

async function startGatedServer(body: Buffer): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    const half = Math.floor(body.length * 0.4);
    res.write(body.subarray(0, half));
    void gate.then(() => res.end(body.subarray(half)));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    release,
    close: () => {
      release();
      srv.closeAllConnections();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-refresh-'));
  key = await makeGpgKey();
  debian = await makeUpstream(join(tmp, 'a', 'debian'), [{ name: 'base', version: '1' }], { key, byHash: true });
  extra = await makeUpstream(join(tmp, 'b', 'extra'), [{ name: 'tool', version: '1' }], { key, byHash: true });
  writeFileSync(join(tmp, 'a', 'small.img'), SMALL);
  upA = await startNginxStatic(join(tmp, 'a'));
  upB = await startNginxStatic(join(tmp, 'b'));
  slow = await startGatedServer(BIG);
  server = await startGitServer();
  await server.createRepo('model');
  work = join(tmp, 'work');
  mkdirSync(join(work, 'nodes'), { recursive: true });
  mkdirSync(join(work, 'classes'), { recursive: true });
  await git(work, ['init', '-q', '-b', 'main']);
  await commit(model(), 'A');
  state = join(tmp, 'state');
  const config = parseControllerConfig(
    {
      stateDir: state,
      source: { git: { url: server.url('model'), branch: 'main', auth: { username: server.user, passwordEnv: 'FERRY_GIT_PASSWORD' } } },
      listen: { host: '127.0.0.1', port: 0 },
      poll: false,
      reconcile: { timeout: '120s', backoff: { base: '200ms', max: '2s' } },
      refresh: { jitter: 0.1, coalesce: '1s', backoff: '1s', progressLog: '1s' },
    },
    tmp,
  );
  // FERRY_TEST_LOG=file: the controller's log lines, for a failing run.
  const logFile = process.env.FERRY_TEST_LOG;
  const line = (level: string) => (m: string, f?: Record<string, unknown>) => logFile && appendFileSync(logFile, `${new Date().toISOString()} ${level} ${m} ${JSON.stringify(f ?? {})}\n`);
  const logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  controller = await startController(config, { env: { ...process.env, FERRY_GIT_PASSWORD: server.password }, processMetrics: false, logger });
}, 180_000);

afterAll(async () => {
  await controller?.close();
  for (const u of [upA, upB, slow]) await u?.close();
  await server?.stop();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('scheduled refreshes, failure isolation, progress and the status page', () => {
  let afterFailure: string;

  it('publishes 50 new upstream packages within the refresh interval; history names the upstream change; apt-get sees them', async () => {
    const first = await waitUntil('the first publish', async () => {
      const s = await status();
      return s.published !== null && s.phase === 'idle' && s.mirrors.length === 3 && s.mirrors.every((m) => m.condition.type === 'Ready') && s;
    });
    expect(mirror(first, 'deb/debian')).toMatchObject({ refresh: `${INTERVAL_S}s`, failures: 0 });
    expect(first.refresh.held).toBe(false);
    const before = first.published!.snapshot;

    await addPackages(debian, Array.from({ length: 50 }, (_, i) => `new${String(i + 1).padStart(2, '0')}`));
    const t0 = Date.now();
    const entry = await waitUntil('a refresh publish', async () => (await history()).find((h) => h.cause === 'refresh' && h.changed?.some((c) => c.mirror === 'deb/debian')));
    const run = await waitUntil('its run reported', async () => (await status()).recentRuns.find((r) => r.snapshot === entry.snapshot && r.result === 'succeeded'));
    // The refresh that found them started within one interval of the change (jitter only makes
    // it earlier), or one run later when a refresh was running as the archive changed.
    expect(run?.by).toContain('refresh');
    expect(Date.parse(run.startedAt) - t0).toBeLessThanOrEqual(INTERVAL_S * 1000 + 1500 + (run.durationMs ?? 0));
    expect(entry.snapshot).not.toBe(before);
    expect(entry.commit).toBe(first.published!.commit);
    expect(entry.changed).toEqual([{ mirror: 'deb/debian', upstream: expect.stringMatching(/^Release bookworm [0-9a-f]{12}$/) }]);
    const events = await readEvents(state, { types: ['Refreshed'] });
    expect(events.at(-1)).toMatchObject({ snapshot: entry.snapshot, mirrors: [{ mirror: 'deb/debian' }] });

    const got = await aptDownload(controller.url, 'debian', 'new50');
    expect(got).toEqual(['new50_1.0_amd64.deb']);
  }, 480_000);

  it('a mirror whose upstream is down keeps serving its last good content; /status, metrics, events, history and the page say why; it recovers by itself', async () => {
    await upB.stop();
    await addPackages(debian, ['later']);
    const s = await waitUntil('deb/extra failed while deb/debian moved on', async () => {
      const x = await status();
      const h = await history();
      const last = h.at(-1);
      return mirror(x, 'deb/extra')?.condition.type === 'Failed' && last?.failed?.some((f) => f.mirror === 'deb/extra') && last.changed?.some((c) => c.mirror === 'deb/debian') && x.published?.snapshot === last.snapshot && x;
    });
    const extraStatus = mirror(s, 'deb/extra');
    expect(extraStatus.condition.reason).toBe('UpstreamUnavailable');
    expect(extraStatus.error).toMatch(new RegExp(upB.url.replace(/[.:/]/g, '\\$&')));
    expect(extraStatus.conditions.find((c) => c.type === 'Stale')).toMatchObject({ status: true, reason: 'ServingLastGood' });
    expect(extraStatus.files).toBeGreaterThan(0);
    expect(['Ready', 'Fetching']).toContain(mirror(s, 'deb/debian').condition.type);
    afterFailure = s.published!.snapshot;
    // Still served, from the new snapshot: apt-get works against the controller.
    expect(await aptDownload(controller.url, 'extra', 'tool')).toEqual(['tool_1_amd64.deb']);
    const metrics = await (await fetch(`${controller.url}/metrics`)).text();
    expect(metrics).toMatch(/ferry_mirror_ready\{mirror="deb\/extra"\} 0/);
    expect(metrics).toMatch(/ferry_mirror_ready\{mirror="deb\/debian"\} 1/);
    expect(metrics).toMatch(/ferry_mirror_condition\{mirror="deb\/extra",condition="Failed",reason="UpstreamUnavailable"\} 1/);
    expect((await readEvents(state, { types: ['MirrorFailed'] })).some((e) => e.mirror === 'deb/extra')).toBe(true);

    // The page as a browser shows it, after its script has refreshed it once.
    const dom = await dumpDom(`${controller.url}/`, { budgetMs: 4000 });
    expect(dom).toMatch(/<tr data-mirror="deb\/extra" data-condition="Failed" data-reason="UpstreamUnavailable">/);
    expect(dom).toMatch(/<tr data-mirror="deb\/debian" data-condition="(Ready|Fetching)"/);
    expect(dom).toContain(`data-snapshot="${afterFailure}" data-served="true"`);
    expect(dom).toMatch(/failed: deb\/extra/);
    expect(dom).toMatch(/<li data-event="MirrorFailed">/);
    expect(dom).toMatch(/<body[^>]* data-updated="\d+"/);

    await upB.start();
    await waitUntil('deb/extra recovered', async () => mirror(await status(), 'deb/extra').condition.type === 'Ready');
    expect((await readEvents(state, { types: ['MirrorRecovered'] })).some((e) => e.mirror === 'deb/extra')).toBe(true);
  }, 480_000);

  it('shows a sync in progress in /status, the metrics and the status page', async () => {
    const before = await (await fetch(`${controller.url}/metrics`)).text();
    const bytesBefore = Number(/ferry_downloaded_bytes_total\{kind="file"\} (\d+)/.exec(before)?.[1] ?? 0);
    await commit(model(true), 'B: a big image');
    controller.requestRun({ by: 'test' });
    const syncing = await waitUntil('file/images downloading', async () => {
      const s = await status();
      const p = mirror(s, 'file/images')?.progress;
      return p && p.bytesDone > 0 && p.bytesDone < p.bytesTotal && s;
    });
    const p = mirror(syncing, 'file/images').progress!;
    expect(p).toMatchObject({ filesTotal: 1, bytesTotal: BIG.length });
    expect(mirror(syncing, 'file/images').condition).toMatchObject({ type: 'Fetching', reason: 'Downloading' });
    expect(syncing.progress).toMatchObject({ bytesTotal: BIG.length });
    const during = await (await fetch(`${controller.url}/metrics`)).text();
    expect(Number(/ferry_downloaded_bytes_total\{kind="file"\} (\d+)/.exec(during)?.[1] ?? 0)).toBeGreaterThan(bytesBefore);
    expect(during).toMatch(/ferry_mirror_sync_remaining_bytes\{mirror="file\/images"\} [1-9]/);
    const dom = await dumpDom(`${controller.url}/`);
    expect(dom).toMatch(/<tr data-mirror="file\/images" data-condition="Fetching" data-reason="Downloading">/);
    expect(dom).toMatch(/data-progress="file\/images" data-percent="([1-9]|[1-3][0-9]|40)"/);
    expect(dom).toMatch(/1\/1 files|0\/1 files/);
    expect(dom).toMatch(/ETA/);
    slow.release();
    await waitUntil('the big image published', async () => {
      const s = await status();
      return s.phase === 'idle' && (mirror(s, 'file/images')?.files ?? 0) >= 3 && s;
    });
  }, 480_000);

  it('a model revert re-publishes the old snapshot and holds refreshes; the next refresh does not undo it; ferry resume releases them', async () => {
    const head = await git(work, ['rev-parse', 'HEAD']);
    await git(work, ['revert', '--no-edit', head]);
    await git(work, ['push', '-q', server.authUrl('model'), 'HEAD:refs/heads/main']);
    controller.requestRun({ by: 'test' });
    const reverted = await waitUntil('the revert re-published a retained snapshot', async () => {
      const s = await status();
      return s.refresh.held && s.phase === 'idle' && s;
    });
    const pinned = reverted.published!.snapshot;
    expect((await history()).at(-1)).toMatchObject({ snapshot: pinned, action: 'reuse' });
    expect((await readEvents(state, { types: ['RefreshHeld'] })).length).toBe(1);
    // Upstream moves on; two intervals later the reverted content still stands.
    await addPackages(debian, ['afterrevert']);
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000 + 1000));
    const still = await status();
    expect(still.published!.snapshot).toBe(pinned);
    expect(still.refresh.held).toBe(true);
    expect(mirror(still, 'deb/debian').nextRefreshAt).toBeUndefined();
    expect((await fetch(`${controller.url}/deb/debian/pool/main/a/afterrevert/afterrevert_1.0_amd64.deb`)).status).toBe(404);

    await setRefreshHold(state, { held: false, by: 'test', reason: 'ferry resume' });
    const refreshed = await waitUntil('a refresh after resume', async () => (await history()).find((h) => h.cause === 'refresh' && h.time > still.lastRun!.startedAt && h.changed?.some((c) => c.mirror === 'deb/debian')));
    expect(refreshed.snapshot).not.toBe(pinned);
    expect((await fetch(`${controller.url}/deb/debian/pool/main/a/afterrevert/afterrevert_1.0_amd64.deb`)).status).toBe(200);
  }, 480_000);
  it('keys: upstream signed by a key the model does not trust fails that mirror, its last good content served; the commit trusting the new key verifies it again at once; a key that does not verify fails the commit', async () => {
    const rotated = await makeGpgKey('Rotated Upstream Key');
    const stranger = await makeGpgKey('Stranger');
    try {
      // Upstream rotates its signing key; the model still trusts the old one.
      await writeArchive(extra, { key: rotated, byHash: true });
      const failed = await waitUntil('deb/extra failed on the signature', async () => {
        const s = await status();
        const m = mirror(s, 'deb/extra');
        return m?.condition.type === 'Failed' && /FERRY_BAD_SIGNATURE/.test(m.condition.message ?? '') && s.phase === 'idle' && s;
      });
      expect(mirror(failed, 'deb/extra').condition.reason).toBe('UpstreamInvalid');
      expect(mirror(failed, 'deb/extra').conditions.find((c) => c.type === 'Stale')).toMatchObject({ status: true, reason: 'ServingLastGood' });
      expect(['Ready', 'Fetching']).toContain(mirror(failed, 'deb/debian').condition.type);
      expect(await aptDownload(controller.url, 'extra', 'tool')).toEqual(['tool_1_amd64.deb']);

      // The model trusts the new key: verified again on this apply (upstream unchanged since it failed).
      const trustedHead = await commit(model(false, { extra: rotated }), 'C: deb/extra is signed with its new key');
      controller.requestRun({ by: 'test' });
      const trusted = await waitUntil('deb/extra ready with the new key', async () => {
        const s = await status();
        return s.lastAppliedRevision === trustedHead && s.phase === 'idle' && mirror(s, 'deb/extra').condition.type === 'Ready' && s;
      });
      expect((await history()).at(-1)).toMatchObject({ snapshot: trusted.published!.snapshot, commit: trustedHead, cause: 'model' });
      expect((await history()).at(-1)?.changed?.map((c) => c.mirror)).toContain('deb/extra');
      expect(await aptDownload(controller.url, 'extra', 'tool')).toEqual(['tool_1_amd64.deb']);

      // A commit whose key does not verify the upstream: the model is at fault, the run fails as a whole.
      const badHead = await commit(model(false, { extra: stranger }), 'D: a key that does not verify');
      controller.requestRun({ by: 'test' });
      const refused = await waitUntil('the commit refused', async () => {
        const s = await status();
        return s.failingRevision === badHead && s.phase === 'idle' && s;
      });
      expect(refused.stalled).toBe(true);
      expect(refused.published!.snapshot).toBe(trusted.published!.snapshot);
      expect(refused.lastErrors[0]).toMatchObject({ code: 'FERRY_BAD_SIGNATURE', data: { resource: 'deb/extra' } });
      expect(mirror(refused, 'deb/extra').condition).toMatchObject({ type: 'Failed', reason: 'UpstreamInvalid' });
      expect((await readEvents(state, { types: ['ApplyFailed'] })).at(-1)).toMatchObject({ revision: badHead });
    } finally {
      await rotated.destroy();
      await stranger.destroy();
    }
  }, 480_000);
});
