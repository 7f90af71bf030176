/**
 * Issue 14: the controller schedules a deb mirror's Release renewal (Driver.revisitAt) and the
 * site signing key is part of what is signed. The real pipeline, a watched-nowhere model folder,
 * a GnuPG-signed upstream on 127.0.0.1 that counts its requests, gpgv to check what is served.
 *
 * Time is not faked: the served snapshot's recorded signing time is moved back (as a day
 * passing would leave it), the way test/integration/deb/keys-and-renewal.test.ts ages it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseControllerConfig } from '../../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../../src/controller/controller.js';
import { readEvents } from '../../../src/controller/events/event-log.js';
import { setRefreshHold } from '../../../src/controller/refresh/refresh-hold.js';
import { parseRelease } from '../../../src/drivers/deb/format/release.js';
import { siteKeyPath } from '../../../src/pgp/site-key.js';
import { readHistory } from '../../../src/store/history.js';
import type { HistoryEntry, SnapshotManifest } from '../../../src/store/types.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { makeUpstream } from '../../helpers/deb-repo.js';

const run = promisify(execFile);
const DAY = 86_400_000;
let tmp: string;
let state: string;
let upstreamKey: GpgKey;
let newSiteKey: GpgKey;
let upstream: StaticServer;
let controller: RunningController;

async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last run: ${JSON.stringify(controller.status().lastRun)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const history = () => readHistory(join(state, 'history.jsonl'));
const manifestFile = (id: string) => join(state, 'snapshots', id, 'manifest.json');
const served = async (path: string) => {
  const res = await fetch(`${controller.url}/deb/debian/${path}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};
const signedAt = (m: SnapshotManifest) => Date.parse((m.resources.find((r) => r.name === 'debian')!.upstream as { signedAt: string }).signedAt);

/** The served InRelease, verified with gpgv against the served archive-key.gpg; the Valid-Until of the Release it signs. */
async function verifiedRelease(): Promise<{ validUntil: number; text: string }> {
  const dir = await mkdtemp(join(tmp, 'gpgv-'));
  await writeFile(join(dir, 'key.gpg'), await served('archive-key.gpg'));
  const text = (await served('dists/bookworm/InRelease')).toString('utf8');
  await writeFile(join(dir, 'InRelease'), text);
  await run('gpgv', ['--keyring', join(dir, 'key.gpg'), join(dir, 'InRelease')]);
  const validUntil = parseRelease((await served('dists/bookworm/Release')).toString('utf8')).validUntil!.getTime();
  expect(Date.parse(/^Valid-Until: ([^\r\n]+)/m.exec(text)?.[1] ?? '')).toBe(validUntil);
  return { validUntil, text };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-renewal-'));
  upstreamKey = await makeGpgKey('Renewal Upstream');
  newSiteKey = await makeGpgKey('New Site Key');
  await makeUpstream(join(tmp, 'up', 'debian'), [{ name: 'base', version: '1' }], { key: upstreamKey });
  upstream = await startStaticServer(join(tmp, 'up'));
  const model = join(tmp, 'model');
  await mkdir(join(model, 'nodes'), { recursive: true });
  const keys = upstreamKey.publicArmored.trimEnd().split('\n').map((l) => `            ${l}`).join('\n');
  await writeFile(
    join(model, 'nodes', 'mirror01.yml'),
    `classes: []\nparameters:\n  ferry:\n    site:\n      name: lab\n      valid_until_days: 2\n    mirrors:\n      debian:\n        kind: deb\n        url: ${upstream.url}/debian\n        suites: [bookworm]\n        components: [main]\n        architectures: [amd64]\n        keys:\n          - |\n${keys}\n`,
  );
  state = join(tmp, 'state');
  const config = parseControllerConfig(
    { stateDir: state, source: { dir: model }, poll: false, listen: { host: '127.0.0.1', port: 0 }, reconcile: { backoff: { base: '200ms', max: '2s' } }, refresh: { backoff: '1s' } },
    tmp,
  );
  controller = await startController(config, { processMetrics: false });
}, 120_000);

afterAll(async () => {
  await controller?.close();
  await upstream?.close();
  await upstreamKey?.destroy();
  await newSiteKey?.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the controller renews Release files before they expire (issue 14)', () => {
  it('arms a renewal halfway through Valid-Until; when due, re-signs with no download, keeps a refresh hold, and arms the next', async () => {
    const first = await waitUntil('the first publish', async () => {
      const s = controller.status();
      return s.published !== null && s.phase === 'idle' && s.mirrors[0]?.condition.type === 'Ready' && s;
    });
    const m1 = JSON.parse(await readFile(manifestFile(first.published!.snapshot), 'utf8')) as SnapshotManifest;
    expect(Date.parse(first.refresh.nextRenewalAt!)).toBe(signedAt(m1) + DAY);
    expect((await verifiedRelease()).validUntil).toBeGreaterThan(Date.now() + 2 * DAY - 120_000);

    // A revert pinned this snapshot: renewing its signature must not undo that.
    await setRefreshHold(state, { held: true, by: 'test', reason: 'a revert', snapshot: m1.id, desiredHash: m1.desiredHash });
    await waitUntil('the controller sees the hold', async () => controller.status().refresh.held);
    // Almost a day later: the renewal is due in 3 s.
    const aged = { ...m1, resources: m1.resources.map((r) => ({ ...r, upstream: { ...r.upstream, signedAt: new Date(Date.now() - DAY + 3_000).toISOString() } })) };
    await writeFile(manifestFile(m1.id), JSON.stringify(aged));
    const asked = controller.requestRun({ by: 'test', force: true });
    const checked = await waitUntil('the forced run', async () => {
      const s = controller.status();
      return s.recentRuns.some((r) => r.runId === asked && r.result === 'succeeded') && s.phase === 'idle' && s;
    });
    expect(checked.recentRuns.find((r) => r.runId === asked)?.outcome).toBe('unchanged');
    expect(Math.abs(Date.parse(checked.refresh.nextRenewalAt!) - (signedAt(aged) + DAY))).toBeLessThan(1_000);
    expect(checked.refresh.held).toBe(true);
    upstream.requests.length = 0;

    const entry = await waitUntil('a re-signed snapshot', async () => (await history()).find((h: HistoryEntry) => h.cause === 'resign'));
    const s = await waitUntil('its run reported', async () => {
      const x = controller.status();
      return x.phase === 'idle' && x.published?.snapshot === entry.snapshot && x;
    });
    expect(s.recentRuns.find((r) => r.snapshot === entry.snapshot)?.by).toEqual(['revisit']);
    expect(upstream.requests).toEqual([]);
    expect(entry).toMatchObject({ action: 'apply', desiredHash: m1.desiredHash, changed: [{ mirror: 'deb/debian' }] });
    expect(entry.stats).toMatchObject({ files: 0, bytes: 0 });
    expect((await readEvents(state, { types: ['Resigned'] })).at(-1)).toMatchObject({ snapshot: entry.snapshot, mirrors: ['deb/debian'] });
    // Served: a Release valid for two more days, signed by the site key; the same packages.
    expect((await verifiedRelease()).validUntil).toBeGreaterThan(Date.now() + 2 * DAY - 120_000);
    const m2 = JSON.parse(await readFile(manifestFile(entry.snapshot), 'utf8')) as SnapshotManifest;
    const pool = (m: SnapshotManifest) => m.resources[0].files.filter((f) => !f.generated);
    expect(pool(m2)).toEqual(pool(m1));
    // The hold stands (same desired state), and the next renewal is a day away again.
    expect(s.refresh.held).toBe(true);
    expect(Date.parse(s.refresh.nextRenewalAt!)).toBe(signedAt(m2) + DAY);
    await setRefreshHold(state, { held: false, by: 'test' });
  }, 120_000);

  it('a site signing key replaced in place re-signs what is served at once, with no run asked and no download', async () => {
    const before = (await history()).length;
    const oldRelease = (await verifiedRelease()).text;
    const { stdout } = await run('gpg', ['--homedir', newSiteKey.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', newSiteKey.fingerprint]);
    upstream.requests.length = 0;
    // As an operator rotates it: the new key written beside the old one and renamed over it.
    await writeFile(`${siteKeyPath(state)}.new`, stdout);
    await rename(`${siteKeyPath(state)}.new`, siteKeyPath(state));
    const entry = await waitUntil('a snapshot signed with the new key', async () => (await history()).slice(before).find((h) => h.cause === 'resign'));
    await waitUntil('it is served', async () => controller.status().published?.snapshot === entry.snapshot);
    expect(upstream.requests).toEqual([]);
    const { text } = await verifiedRelease();
    expect(text).not.toBe(oldRelease);
    const dir = await mkdtemp(join(tmp, 'newkey-'));
    await writeFile(join(dir, 'served.asc'), await served('archive-key.asc'));
    const { stdout: listed } = await run('gpg', ['--homedir', newSiteKey.home, '--show-keys', '--with-colons', join(dir, 'served.asc')]);
    expect(listed).toContain(newSiteKey.fingerprint);
  }, 120_000);
});
