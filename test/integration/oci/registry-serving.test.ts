/**
 * Issue 13, serving: the same registry requests against `ferry serve` and against nginx with the
 * configuration Ferry prints (static manifests and blobs, njs for the catalog, paginated tag lists
 * and error bodies), answered alike: /v2/, _catalog and tags/list with `n`/`last` pagination and
 * Link headers, manifests by tag and digest (stored media type, Docker-Content-Digest), blobs
 * with HEAD and Range, and OCI error bodies with their codes (NAME_UNKNOWN, MANIFEST_UNKNOWN,
 * BLOB_UNKNOWN, the 400s). The snapshot is built by a real reconcile from an in-process registry.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servingDeclarations } from '../../../src/drivers/registry.js';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { NJS_SCRIPTS, renderNginxServerBlock } from '../../../src/serve/nginx-config.js';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { startFaultRegistry, type FaultRegistry } from '../../helpers/fault-registry.js';
import { image, layer, type BuiltImage } from '../../helpers/oci-images.js';
import { startNginx, type RunningNginx } from '../serve/nginx-runner.js';

let tmp: string;
let registry: FaultRegistry;
let server: RunningServer;
let nginx: RunningNginx;
let snapshotId: string;
const built: Record<string, BuiltImage> = {};
const TAGS = ['1.0', '1.1', '2.0', 'latest'];

function model(): Map<string, string> {
  return new Map([
    [
      'nodes/mirror01.yml',
      `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      hub:
        kind: oci
        registry: ${registry.url}
        images:
          - name: team/app
            tags: ${JSON.stringify(TAGS)}
          - name: team/tool
            tags: ["1.0"]
      other:
        kind: oci
        registry: ${registry.url}
        images:
          - name: base/os
            tags: ["12"]
`,
    ],
  ]);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-oci-serving-'));
  chmodSync(tmp, 0o755); // nginx's workers read the state folder
  registry = await startFaultRegistry();
  const shared = layer('serving-shared', 30_000);
  for (const tag of ['1.0', '1.1', '2.0']) {
    built[tag] = image({ layers: [shared, layer(`serving-${tag}`, 2_000)], label: tag, oci: tag === '2.0' });
    registry.add('team/app', built[tag], tag === '2.0' ? [tag, 'latest'] : [tag]);
  }
  built.tool = image({ layers: [layer('serving-tool', 1_000)] });
  registry.add('team/tool', built.tool, ['1.0']);
  built.os = image({ layers: [shared] });
  registry.add('base/os', built.os, ['12']);
  const state = join(tmp, 'state');
  const fetcher = createHttpFetcher({ retries: 0 });
  try {
    const r = await reconcile({ stateDir: state, model: model(), fetcher });
    expect(r.outcome).toBe('published');
    snapshotId = r.snapshot;
  } finally {
    await fetcher.close();
  }
  server = await startServer({ stateDir: state, port: 0 });
  const real = realpathSync(state);
  nginx = await startNginx({ dir: tmp, serverBlock: (port) => renderNginxServerBlock({ stateDir: real, listen: `127.0.0.1:${port}`, serving: servingDeclarations(), njsScripts: NJS_SCRIPTS }) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await nginx?.stop();
  await registry?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

const HEADERS = ['content-type', 'docker-content-digest', 'link', 'content-range', 'content-length', 'docker-distribution-api-version'];

async function ask(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const r = await fetch(`${base}${path}`, init);
  const text = Buffer.from(await r.arrayBuffer());
  const headers = Object.fromEntries(HEADERS.map((h) => [h, r.headers.get(h)]));
  let body: unknown = text.toString('base64');
  if ((r.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text.toString('utf8'));
    } catch {
      body = text.toString('utf8');
    }
  }
  return { status: r.status, headers, body };
}

/** Both servers' answers to one request; they must be equal. */
async function both(path: string, init: RequestInit = {}): Promise<Answer> {
  const fromFerry = await ask(server.url, path, init);
  const fromNginx = await ask(`http://127.0.0.1:${nginx.port}`, path, init);
  expect({ path, ...fromNginx }).toEqual({ path, ...fromFerry });
  return fromFerry;
}

const code = (a: Answer) => (a.body as { errors: Array<{ code: string }> }).errors[0].code;

describe('the registry API: ferry serve and nginx answer alike', () => {
  it('GET /v2/: 200 {} with the API version header', async () => {
    const a = await both('/v2/');
    expect(a).toMatchObject({ status: 200, body: {}, headers: { 'docker-distribution-api-version': 'registry/2.0' } });
  });

  it('_catalog: every oci mirror\'s repositories, sorted, paginated with n and last', async () => {
    expect((await both('/v2/_catalog')).body).toEqual({ repositories: ['base/os', 'team/app', 'team/tool'] });
    const first = await both('/v2/_catalog?n=2');
    expect(first.body).toEqual({ repositories: ['base/os', 'team/app'] });
    expect(first.headers.link).toBe('</v2/_catalog?n=2&last=team%2Fapp>; rel="next"');
    const second = await both('/v2/_catalog?n=2&last=team%2Fapp');
    expect(second.body).toEqual({ repositories: ['team/tool'] });
    expect(second.headers.link).toBeNull();
    expect((await both('/v2/_catalog?n=0')).body).toEqual({ repositories: [] });
    const bad = await both('/v2/_catalog?n=many');
    expect(bad.status).toBe(400);
    expect(code(bad)).toBe('PAGINATION_NUMBER_INVALID');
  });

  it('tags/list: sorted, paginated with n and last, Link to the next page', async () => {
    expect((await both('/v2/team/app/tags/list')).body).toEqual({ name: 'team/app', tags: TAGS });
    const pages: string[][] = [];
    let next: string | null = '/v2/team/app/tags/list?n=3';
    while (next) {
      const a = await both(next);
      pages.push((a.body as { tags: string[] }).tags);
      next = a.headers.link ? /^<([^>]+)>; rel="next"$/.exec(a.headers.link)![1] : null;
    }
    expect(pages).toEqual([['1.0', '1.1', '2.0'], ['latest']]);
    expect((await both('/v2/team/app/tags/list?last=1.1')).body).toEqual({ name: 'team/app', tags: ['2.0', 'latest'] });
    expect((await both('/v2/team/app/tags/list?n=2&last=zzz')).body).toEqual({ name: 'team/app', tags: [] });
    const bad = await both('/v2/team/app/tags/list?n=-1');
    expect(bad.status).toBe(400);
    expect(code(bad)).toBe('PAGINATION_NUMBER_INVALID');
    const unknown = await both('/v2/team/nope/tags/list');
    expect(unknown.status).toBe(404);
    expect(code(unknown)).toBe('NAME_UNKNOWN');
  });

  it('manifests by tag and by digest: stored bytes, media type, Docker-Content-Digest; HEAD alike', async () => {
    for (const tag of ['1.0', '2.0', 'latest']) {
      const digest = built[tag === 'latest' ? '2.0' : tag].manifest.digest;
      const a = await both(`/v2/team/app/manifests/${tag}`);
      expect(a.status).toBe(200);
      expect(a.headers['docker-content-digest']).toBe(digest);
      expect(a.headers['content-type']).toBe(built[tag === 'latest' ? '2.0' : tag].mediaType);
      const head = await both(`/v2/team/app/manifests/${tag}`, { method: 'HEAD' });
      expect(head.headers['content-length']).toBe(a.headers['content-length']);
    }
    const byDigest = await both(`/v2/team/app/manifests/${built['1.1'].manifest.digest}`);
    expect(byDigest.headers['docker-content-digest']).toBe(built['1.1'].manifest.digest);
  });

  it('blobs: GET, HEAD and Range', async () => {
    const blob = built['1.0'].blobs[1];
    const whole = await both(`/v2/team/app/blobs/${blob.digest}`);
    expect(whole.status).toBe(200);
    expect(Buffer.from(whole.body as string, 'base64').equals(blob.bytes)).toBe(true);
    expect(whole.headers['docker-content-digest']).toBe(blob.digest);
    const head = await both(`/v2/team/app/blobs/${blob.digest}`, { method: 'HEAD' });
    expect(head.headers['content-length']).toBe(String(blob.bytes.length));
    const part = await both(`/v2/team/app/blobs/${blob.digest}`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${blob.bytes.length}`);
    expect(Buffer.from(part.body as string, 'base64').equals(blob.bytes.subarray(10, 20))).toBe(true);
  });

  it('OCI error bodies: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, and the 400s for malformed references', async () => {
    const cases: Array<[string, number, string]> = [
      ['/v2/team/app/manifests/9.9', 404, 'MANIFEST_UNKNOWN'],
      [`/v2/team/app/manifests/sha256:${'a'.repeat(64)}`, 404, 'MANIFEST_UNKNOWN'],
      [`/v2/team/app/blobs/sha256:${'b'.repeat(64)}`, 404, 'BLOB_UNKNOWN'],
      // A blob of another repository is not this one's.
      [`/v2/team/tool/blobs/${built['1.0'].blobs[2].digest}`, 404, 'BLOB_UNKNOWN'],
      ['/v2/team/nope/manifests/1.0', 404, 'NAME_UNKNOWN'],
      [`/v2/team/nope/blobs/sha256:${'c'.repeat(64)}`, 404, 'NAME_UNKNOWN'],
      ['/v2/team/app/blobs/not-a-digest', 400, 'DIGEST_INVALID'],
      ['/v2/Team/app/manifests/1.0', 400, 'NAME_INVALID'],
    ];
    for (const [path, status, expected] of cases) {
      const a = await both(path);
      expect({ path, status: a.status, code: code(a) }).toEqual({ path, status, code: expected });
      expect(a.headers['content-type']).toBe('application/json');
    }
  });

  it('retained snapshots under /v2/snapshots/<id>/ (the id lowercased): base, catalog, tags, manifests, blobs and errors alike', async () => {
    const base = `/v2/snapshots/${snapshotId.toLowerCase()}`;
    expect((await both(`${base}/`)).status).toBe(200);
    const catalog = await both(`${base}/_catalog?n=2`);
    expect(catalog.body).toEqual({ repositories: ['base/os', 'team/app'] });
    expect(catalog.headers.link).toBe(`<${base}/_catalog?n=2&last=team%2Fapp>; rel="next"`);
    const tags = await both(`${base}/team/app/tags/list`);
    expect(tags.body).toEqual({ name: 'team/app', tags: TAGS });
    const m = await both(`${base}/team/app/manifests/1.1`);
    expect(m.status).toBe(200);
    expect(m.headers['docker-content-digest']).toBe(built['1.1'].manifest.digest);
    expect(m.headers['content-type']).toBe(built['1.1'].mediaType);
    expect((await both(`${base}/team/app/manifests/1.1`, { method: 'HEAD' })).headers['content-length']).toBe(m.headers['content-length']);
    const blob = built['1.0'].blobs[1];
    const part = await both(`${base}/team/app/blobs/${blob.digest}`, { headers: { range: 'bytes=5-9' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(part.body as string, 'base64').equals(blob.bytes.subarray(5, 10))).toBe(true);
    const cases: Array<[string, number, string]> = [
      [`${base}/team/app/manifests/9.9`, 404, 'MANIFEST_UNKNOWN'],
      [`${base}/team/tool/blobs/${built['1.0'].blobs[2].digest}`, 404, 'BLOB_UNKNOWN'],
      [`${base}/team/nope/tags/list`, 404, 'NAME_UNKNOWN'],
      [`${base}/team/app/blobs/not-a-digest`, 400, 'DIGEST_INVALID'],
      [`/v2/snapshots/20000101t000000000z-00000000/team/app/manifests/1.0`, 404, 'NAME_UNKNOWN'],
    ];
    for (const [path, status, expected] of cases) {
      const a = await both(path);
      expect({ path, status: a.status, code: code(a) }).toEqual({ path, status, code: expected });
    }
  });
});
