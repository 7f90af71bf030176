/**
 * Issue 13, bad input: an oci mirror fed by a registry that misbehaves (test/helpers/fault-registry.ts,
 * for the faults Debian's docker-registry cannot produce). Each fault is a clear FerryError naming
 * the image, the tag and the URL; transient ones are retried (429 after its Retry-After, capped;
 * 503), final ones are not (404, 401, 403, a digest mismatch); nothing
 * is published and the previous snapshot keeps serving. A redirect of blob GETs to a blob store on
 * another origin is followed without the registry's credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFerryErrors, type FerryError } from '../../../src/core/ferry-error.js';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import type { Fetcher } from '../../../src/transport/types.js';
import { startBlobStore, startFaultRegistry, type BlobStoreServer, type FaultRegistry } from '../../helpers/fault-registry.js';
import { blobOf, image, layer, type BuiltImage } from '../../helpers/oci-images.js';

const CREDENTIALS = { user: 'puller', password: 's3cret' };
let tmp: string;
let state: string;
let registry: FaultRegistry;
let blobStore: BlobStoreServer;
let server: RunningServer;
const good = image({ layers: [layer('good-base', 20_000), layer('good-top', 5_000)], label: '1.0' });

function model(tags: string[]): Map<string, string> {
  const text = `classes: []
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
            tags: ${JSON.stringify(tags)}
`;
  return new Map([['nodes/mirror01.yml', text]]);
}

/** A fetcher with short waits: 2 retries, Retry-After honoured up to 1.5 s. */
function fetcher(options: { credentials?: boolean } = {}): Fetcher {
  return createHttpFetcher({
    retries: 2,
    backoffMs: 20,
    maxBackoffMs: 100,
    maxRetryAfterMs: 1500,
    credentials: options.credentials ? { [registry.host]: { username: CREDENTIALS.user, password: CREDENTIALS.password } } : {},
  });
}

async function apply(tags: string[], options: { credentials?: boolean } = {}) {
  const f = fetcher(options);
  try {
    return await reconcile({ stateDir: state, model: model(tags), fetcher: f });
  } finally {
    await f.close();
  }
}

/** The errors a failing apply threw (it must fail). */
async function failure(tags: string[], options: { credentials?: boolean } = {}): Promise<FerryError[]> {
  const started = Date.now();
  try {
    await apply(tags, options);
  } catch (e) {
    lastDuration = Date.now() - started;
    return toFerryErrors(e);
  }
  throw new Error(`apply of ${tags.join(', ')} succeeded; expected a failure`);
}
let lastDuration = 0;

async function served(tag: string): Promise<{ status: number; digest: string | null; snapshot: string | null; code?: string }> {
  const r = await fetch(`${server.url}/v2/team/app/manifests/${tag}`);
  const body = (await r.json()) as { errors?: Array<{ code: string }> };
  return { status: r.status, digest: r.headers.get('docker-content-digest'), snapshot: r.headers.get('x-ferry-snapshot'), code: body.errors?.[0]?.code };
}

let published: string;

/** After a failed apply: the previous snapshot still serves 1.0, and the new tag is not served. */
async function expectPreviousServing(tag: string): Promise<void> {
  const before = await served('1.0');
  expect(before).toMatchObject({ status: 200, digest: good.manifest.digest, snapshot: published });
  const after = await served(tag);
  expect(after).toMatchObject({ status: 404, code: 'MANIFEST_UNKNOWN' });
}

/** Requests for `path` (GET and HEAD: a refresh asks a tag's digest by HEAD first). */
const requests = (path: string, method?: string) => registry.log.filter((r) => (method === undefined || r.method === method) && r.path === path).length;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-oci-bad-input-'));
  state = join(tmp, 'state');
  registry = await startFaultRegistry();
  blobStore = await startBlobStore((digest) => registry.blob(digest));
  registry.add('team/app', good, ['1.0']);
  const first = await apply(['1.0']);
  expect(first.outcome).toBe('published');
  published = first.snapshot;
  server = await startServer({ stateDir: state, port: 0 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await registry?.close();
  await blobStore?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One image of its own per case, so nothing of it is in the store already. */
function fresh(tag: string, extra: Partial<Parameters<typeof image>[0]> = {}): BuiltImage {
  const built = image({ layers: [layer(`${tag}-layer`, 4_000)], label: tag, ...extra });
  registry.add('team/app', built, [tag]);
  return built;
}

describe('oci mirror: bad input from the registry', () => {
  it('a manifest whose Docker-Content-Digest lies: FERRY_DIGEST_MISMATCH naming image, tag and URL', async () => {
    registry.reset();
    fresh('lying');
    registry.faults.lyingDigest.add('lying');
    const [e, ...rest] = await failure(['1.0', 'lying']);
    expect(rest).toEqual([]);
    expect(e.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(e.message).toContain('team/app:lying');
    expect(e.message).toContain(`${registry.url}/v2/team/app/manifests/lying`);
    expect(e.data).toMatchObject({ image: 'team/app', tag: 'lying', expected: `sha256:${'0'.repeat(64)}` });
    await expectPreviousServing('lying');
  });

  it('a manifest by digest whose bytes do not hash to it: FERRY_DIGEST_MISMATCH', async () => {
    registry.reset();
    const built = fresh('pinned');
    registry.faults.corrupt.add(built.manifest.digest);
    const [e] = await failure(['1.0', built.manifest.digest]);
    expect(e.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(e.message).toContain(`team/app:${built.manifest.digest}`);
    expect(e.message).toContain(`/v2/team/app/manifests/${built.manifest.digest}`);
    await expectPreviousServing(built.manifest.digest);
  });

  it('a blob whose bytes do not match its digest: FERRY_DIGEST_MISMATCH naming image, tag and URL (a download from scratch is not repeated: issue 10)', async () => {
    registry.reset();
    const built = fresh('rotten');
    const bad = built.blobs[1].digest;
    registry.faults.corrupt.add(bad);
    const [e, ...rest] = await failure(['1.0', 'rotten']);
    expect(rest).toEqual([]);
    expect(e.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(e.message).toContain('team/app:rotten');
    expect(e.message).toContain(`${registry.url}/v2/team/app/blobs/${bad}`);
    expect(requests(`/v2/team/app/blobs/${bad}`, 'GET')).toBe(1);
    await expectPreviousServing('rotten');
  });

  it('an oversized manifest: refused at the cap (4 MiB), FERRY_INDEX_TOO_LARGE', async () => {
    registry.reset();
    const huge = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { pad: 'x'.repeat(5 << 20) } }));
    registry.addManifest('team/app', 'huge', huge, 'application/vnd.oci.image.manifest.v1+json');
    const [e] = await failure(['1.0', 'huge']);
    expect(e.code).toBe('FERRY_INDEX_TOO_LARGE');
    expect(e.message).toContain('team/app:huge');
    expect(e.message).toContain('/v2/team/app/manifests/huge');
    expect(e.message).toMatch(/4 MiB/);
    expect(requests('/v2/team/app/manifests/huge', 'GET')).toBe(1);
    await expectPreviousServing('huge');
  });

  it('a manifest of an unknown media type: FERRY_BAD_INDEX naming the type', async () => {
    registry.reset();
    const odd = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.odd+json', layers: [] }));
    registry.addManifest('team/app', 'odd', odd, 'application/vnd.example.odd+json');
    const [e] = await failure(['1.0', 'odd']);
    expect(e.code).toBe('FERRY_BAD_INDEX');
    expect(e.message).toContain('team/app:odd');
    expect(e.message).toContain('/v2/team/app/manifests/odd');
    expect(e.message).toContain('application/vnd.example.odd+json');
    await expectPreviousServing('odd');
  });

  it('a layer of an unknown media type: FERRY_BAD_INDEX naming the layer', async () => {
    registry.reset();
    const strange = layer('strange', 1_000);
    const config = blobOf(Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
        layers: [{ mediaType: 'application/x-strange', digest: strange.digest, size: strange.bytes.length }],
      }),
    );
    registry.add('team/app', { manifest: blobOf(bytes), mediaType: 'application/vnd.oci.image.manifest.v1+json', blobs: [config, strange] }, ['strange']);
    const [e] = await failure(['1.0', 'strange']);
    expect(e.code).toBe('FERRY_BAD_INDEX');
    expect(e.message).toContain('team/app:strange');
    expect(e.message).toContain('application/x-strange');
    expect(e.message).toContain(`/v2/team/app/blobs/${strange.digest}`);
    await expectPreviousServing('strange');
  });

  it('a manifest naming a blob the registry lacks: HTTP 404 naming image, tag and blob URL, not retried', async () => {
    registry.reset();
    const built = fresh('holey');
    const gone = built.blobs[1].digest;
    registry.faults.missing.add(gone);
    const [e, ...rest] = await failure(['1.0', 'holey']);
    expect(rest).toEqual([]);
    expect(e.code).toBe('FERRY_HTTP_STATUS');
    expect(e.data.status).toBe(404);
    expect(e.message).toContain('team/app:holey');
    expect(e.message).toContain(`${registry.url}/v2/team/app/blobs/${gone}`);
    expect(requests(`/v2/team/app/blobs/${gone}`, 'GET')).toBe(1);
    await expectPreviousServing('holey');
  });

  it('401 without credentials: access denied, naming image, tag and URL, not retried', async () => {
    registry.reset();
    fresh('locked');
    registry.faults.basic = CREDENTIALS;
    const errors = await failure(['1.0', 'locked']);
    const e = errors.find((x) => x.message.includes('team/app:locked')) as FerryError;
    expect(e.code).toBe('FERRY_HTTP_STATUS');
    expect(e.data.status).toBe(401);
    expect(e.message).toMatch(/access denied/);
    expect(e.message).toContain('/v2/team/app/manifests/locked');
    expect(requests('/v2/team/app/manifests/locked')).toBe(1);
    await expectPreviousServing('locked');
  });

  it('403 and 404: final, named, not retried', async () => {
    registry.reset();
    fresh('denied');
    registry.faults.answers.push({ path: /\/manifests\/denied$/, status: 403 });
    const errors = await failure(['1.0', 'denied', 'absent']);
    const denied = errors.find((x) => x.message.includes('team/app:denied')) as FerryError;
    expect(denied.data.status).toBe(403);
    expect(denied.message).toMatch(/access denied/);
    expect(denied.message).toContain('/v2/team/app/manifests/denied');
    const absent = errors.find((x) => x.message.includes('team/app:absent')) as FerryError;
    expect(absent.data.status).toBe(404);
    expect(absent.message).toMatch(/not found/);
    expect(absent.message).toContain('/v2/team/app/manifests/absent');
    expect(requests('/v2/team/app/manifests/denied')).toBe(1);
    expect(requests('/v2/team/app/manifests/absent')).toBe(1);
    await expectPreviousServing('denied');
  });

  it('429 with a Retry-After of an hour: waits are capped, retries are bounded, then a named error', async () => {
    registry.reset();
    fresh('busy');
    registry.faults.answers.push({ path: /\/manifests\/busy$/, status: 429, headers: { 'retry-after': '3600' } });
    const [e] = await failure(['1.0', 'busy']);
    expect(e.code).toBe('FERRY_HTTP_STATUS');
    expect(e.data.status).toBe(429);
    expect(e.message).toContain('team/app:busy');
    expect(e.message).toContain('/v2/team/app/manifests/busy');
    expect(requests('/v2/team/app/manifests/busy')).toBe(3);
    // Two waits of at most 1.5 s (the fetcher's cap), not an hour.
    expect(lastDuration).toBeGreaterThanOrEqual(2 * 1500 - 100);
    expect(lastDuration).toBeLessThan(20_000);
    await expectPreviousServing('busy');
  }, 30_000);

  it('429 with Retry-After: 1 and a 503, then the answer: retried after the wait, published', async () => {
    registry.reset();
    const built = fresh('later');
    registry.faults.answers.push({ path: /\/manifests\/later$/, status: 429, headers: { 'retry-after': '1' }, times: 1 });
    registry.faults.answers.push({ path: new RegExp(`/blobs/${built.blobs[1].digest}$`), status: 503, times: 1 });
    const started = Date.now();
    const r = await apply(['1.0', 'later']);
    expect(r.outcome).toBe('published');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(requests('/v2/team/app/manifests/later', 'HEAD')).toBe(2);
    expect(requests(`/v2/team/app/blobs/${built.blobs[1].digest}`)).toBe(2);
    expect(await served('later')).toMatchObject({ status: 200, digest: built.manifest.digest, snapshot: r.snapshot });
    published = r.snapshot;
  }, 30_000);

  it('blob GETs redirected to a blob store on another origin: followed, the registry credentials not sent there', async () => {
    registry.reset();
    const built = fresh('moved');
    registry.faults.basic = CREDENTIALS;
    registry.faults.redirectBlobsTo = blobStore.url;
    const r = await apply(['1.0', 'later', 'moved'], { credentials: true });
    expect(r.outcome).toBe('published');
    expect(await served('moved')).toMatchObject({ status: 200, digest: built.manifest.digest });
    const fetched = blobStore.log.filter((x) => built.blobs.some((b) => x.path === `/${b.digest}`));
    expect(fetched.length).toBe(built.blobs.length);
    expect(blobStore.log.every((x) => x.authorization === undefined)).toBe(true);
    // The registry itself was sent its credentials.
    expect(registry.log.filter((x) => x.path.includes('/blobs/')).every((x) => x.authorization?.startsWith('Basic '))).toBe(true);
  }, 30_000);
});
