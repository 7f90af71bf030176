/**
 * Adding a kind touches its folder and nothing else (issue 9, docs/ARCHITECTURE.md "Adding a
 * kind"): the toy kind of test/fixtures/toy-kind/, registered only here (registerKind), is
 * validated (schema and parseSpec errors at their file and line), planned, applied, served by
 * `ferry serve` and by nginx (its content type, its route, aliases and header), refreshed,
 * changed, reverted and rolled back, through the same code paths as the built-in kinds. No file
 * of src/ names it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdir, readFile, chmod, mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryErrors, toFerryErrors } from '../../src/core/ferry-error.js';
import { registerKind, supportedKinds } from '../../src/drivers/registry.js';
import { planResources } from '../../src/plan/plan.js';
import { loadDesired } from '../../src/reconcile/apply-desired.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { StateStore } from '../../src/store/state-store.js';
import { httpGet, type RawResponse } from '../integration/serve/http-get.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';
import { toyKind } from '../fixtures/toy-kind/kind.js';

const REPO = join(import.meta.dirname, '..', '..');
const NODE = 'mirror01';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TOYS: Record<string, Buffer> = {
  'ball-red': Buffer.from('a red ball\n'),
  'ball-blue': Buffer.from('a blue ball\n'),
  kite: Buffer.from('a kite, with string\n'.repeat(50)),
  yoyo: Buffer.from('yo-yo\n'),
};

/** The toy shop: `TOYS` and the toys, counting the requests. */
function startShop(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const index = Object.entries(TOYS).map(([name, bytes]) => `${name} ${sha(bytes)} ${bytes.length}\n`).join('');
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = (req.url ?? '').replace(/^\/shop\//, '');
    const body = path === 'TOYS' ? Buffer.from(index) : TOYS[path.replace(/\.toy$/, '')];
    res.writeHead(body ? 200 : 404, { 'Content-Length': String(body?.length ?? 0) }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop`, requests, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

/** A one-node model whose only mirror is a toy shop; `pick` is written as given (YAML flow list). */
function model(shopUrl: string, pick: string): Map<string, string> {
  const node = ['parameters:', '  ferry:', '    site:', '      name: toyland', '      retention: 5', '    mirrors:', '      shop:', '        kind: toy', `        url: ${shopUrl}`, `        pick: ${pick}`, ''].join('\n');
  return new Map([[`nodes/${NODE}.yml`, node]]);
}

function errorsOf(fn: () => unknown): ReturnType<typeof toFerryErrors> {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof FerryErrors)) throw e;
    return e.errors;
  }
  throw new Error('no error');
}

describe('a kind registered only by its test (the toy kind)', () => {
  let unregister: () => void;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let base: string;
  let stateDir: string;
  let ferry: RunningServer;
  let nginx: RunningNginx;

  beforeAll(async () => {
    unregister = registerKind(toyKind);
    shop = await startShop();
    base = await mkdtemp(join(tmpdir(), 'ferry-toy-'));
    // nginx workers run as an unprivileged user: the state must be readable by them.
    await chmod(base, 0o755);
    stateDir = join(base, 'state');
  });

  afterAll(async () => {
    await nginx?.stop();
    await ferry?.close();
    await shop?.close();
    unregister?.();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('no source file names it: its folder and this test are all there is', async () => {
    const files = await readdir(join(REPO, 'src'), { recursive: true });
    const naming: string[] = [];
    for (const f of files.filter((x) => x.endsWith('.ts'))) if (/['"`]toy['"`/]|toy-kind/.test(await readFile(join(REPO, 'src', f), 'utf8'))) naming.push(f);
    expect(naming).toEqual([]);
    expect(supportedKinds()).toContain('toy');
  });

  it('validates: the schema and its parseSpec answer with the file and line', () => {
    const ok = loadDesired(model(shop.url, "['ball-*']"), { node: NODE });
    expect(ok.desired.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(['toy/shop']);

    const [glob] = errorsOf(() => loadDesired(model(shop.url, "['ball-*', 'Kite/../x']"), { node: NODE }));
    expect(glob).toMatchObject({ code: 'FERRY_INVALID_MODEL', data: { file: `nodes/${NODE}.yml`, line: 10 } });
    expect(glob.message).toMatch(/is not a toy glob/);

    const schema = errorsOf(() => loadDesired(model(shop.url, '[]'), { node: NODE }));
    expect(schema[0]).toMatchObject({ data: { file: `nodes/${NODE}.yml`, line: 10 } });
  });

  it('plans, applies, serves (ferry serve and nginx alike), refreshes, changes, reverts and rolls back', async () => {
    const a = model(shop.url, "['ball-*']");
    const plan = planResources(loadDesired(a, { node: NODE }).desired, null);
    expect(plan.resources.map((r) => [r.kind, r.name, r.change])).toEqual([['toy', 'shop', 'add']]);

    const first = await reconcile({ stateDir, model: a, node: NODE, commit: 'A' });
    expect(first).toMatchObject({ outcome: 'published', stats: { filesFetched: 2 } });

    ferry = await startServer({ stateDir, port: 0 });
    const real = await realpath(stateDir);
    nginx = await startNginx({ dir: base, serverBlock: (port) => renderNginxServerBlock({ stateDir: real, listen: `127.0.0.1:${port}` }) });
    const both = async (target: string): Promise<RawResponse> => {
      const [f, n] = await Promise.all([httpGet(ferry.port, target), httpGet(nginx.port, target)]);
      // An error page's text is each server's own; a file is answered alike, headers and bytes.
      const seen = (r: RawResponse) => (r.status === 200 ? [target, r.status, r.headers['content-type'], r.headers['x-toy-name'], sha(r.body)] : [target, r.status]);
      expect(seen(n)).toEqual(seen(f));
      return f;
    };

    const ball = await both('/toy/shop/toys/ball-red.toy');
    expect([ball.status, ball.headers['content-type'], ball.body.toString()]).toEqual([200, 'application/x-toy', 'a red ball\n']);
    const shelved = await both('/shelf/shop/ball-blue');
    expect([shelved.status, shelved.headers['x-toy-name'], shelved.body.toString()]).toEqual([200, 'ball-blue', 'a blue ball\n']);
    const catalog = await both('/shelf/shop/CATALOG');
    expect(catalog.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(catalog.body.toString()).toBe(`ball-blue ${sha(TOYS['ball-blue'])}\nball-red ${sha(TOYS['ball-red'])}\n`);
    expect((await both('/shelf/shop/kite')).status).toBe(404);

    // A refresh of an unchanged shop: the driver says `unchanged`, nothing is published.
    const before = shop.requests.length;
    expect(await reconcile({ stateDir, model: a, node: NODE, refresh: true })).toMatchObject({ outcome: 'unchanged', snapshot: first.snapshot });
    expect(shop.requests.slice(before)).toEqual(['/shop/TOYS']);

    // Commit B picks the kite too: one new toy fetched, served at once by both servers.
    const b = model(shop.url, "['ball-*', kite]");
    const changed = planResources(loadDesired(b, { node: NODE }).desired, await (await StateStore.open(stateDir)).current());
    expect(changed.resources.map((r) => r.change)).toEqual(['change']);
    const second = await reconcile({ stateDir, model: b, node: NODE, commit: 'B' });
    expect(second).toMatchObject({ outcome: 'published', stats: { filesFetched: 1 } });
    // nginx reads a snapshot's header and type maps when it loads its configuration.
    await nginx.reload();
    expect((await both('/shelf/shop/kite')).body).toEqual(TOYS.kite);

    // git revert: the retained snapshot of A is published again, nothing downloaded.
    const reverted = await reconcile({ stateDir, model: a, node: NODE, commit: 'A2' });
    expect(reverted).toMatchObject({ outcome: 'reused', snapshot: first.snapshot, stats: { bytesFetched: 0, requests: 0 } });
    expect((await both('/shelf/shop/kite')).status).toBe(404);
    expect((await both('/toy/shop/toys/kite.toy')).status).toBe(404);

    // ferry rollback's switch: B again, its kite served by both.
    const store = await StateStore.open(stateDir);
    await store.publish(second.snapshot, { commit: 'B', desiredHash: second.desiredHash, action: 'rollback' });
    expect((await both('/toy/shop/toys/kite.toy')).body).toEqual(TOYS.kite);
    // Retained snapshots answer under /snapshots/<id>/ too.
    expect((await both(`/snapshots/${first.snapshot}/shelf/shop/ball-red`)).body.toString()).toBe('a red ball\n');
  });
});
