/**
 * The push side (src/drivers/oci/push.ts) against an in-memory registry that keeps what it is
 * sent (blobs per repository, manifests, tags) and counts requests: blobs the target has are
 * skipped, a blob another repository of the target holds is mounted (uploaded when the registry
 * will not mount), a second push of the same images sends nothing, a push cut short continues
 * where it stopped, and a registry that refuses is a named error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../src/core/ferry-error.js';
import { emptyEntry, type RepositoryEntry } from '../../../src/drivers/oci/catalog.js';
import { RegistryPusher } from '../../../src/drivers/oci/push.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { StatsCounter } from '../../../src/transport/transport-stats.js';
import type { Fetcher, SendOptions, SendResult } from '../../../src/transport/types.js';
import { image, index, layer, type BuiltImage } from '../../helpers/oci-images.js';

const BASE = 'http://site.example:5000';

interface Sent {
  method: string;
  path: string;
  scope?: string;
}

/** A registry's push side in memory, as a Fetcher (only `send`). */
class MemoryRegistry implements Fetcher {
  readonly blobs = new Map<string, Set<string>>(); // repository -> digests
  readonly manifests = new Map<string, { bytes: Buffer; type: string }>(); // `${repo}@${ref}`
  readonly sent: Sent[] = [];
  mounts = true;
  /** Throws a network error on the nth blob upload PUT (1-based), once. */
  failUploadAt?: number;
  uploads = 0;
  /** Answers every manifest PUT with this status and error body. */
  refuseManifests?: { status: number; code: string };
  /** Stores manifests under another digest than they hash to (a registry that rewrites). */
  rewrite = false;
  private readonly counter = new StatsCounter();

  async send(url: string, o: SendOptions): Promise<SendResult> {
    const u = new URL(url);
    this.sent.push({ method: o.method, path: `${u.pathname}${u.search}`, scope: o.authScope });
    const ok = (status: number, headers: Record<string, string> = {}, body = ''): SendResult => ({ url, status, headers, body: Buffer.from(body) });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(u.pathname);
    if (!m) throw new Error(`unexpected ${o.method} ${url}`);
    const [, repo, what, rest] = m;
    const held = this.blobs.get(repo) ?? new Set<string>();
    this.blobs.set(repo, held);
    if (what === 'blobs' && rest === 'uploads/' && o.method === 'POST') {
      const mount = u.searchParams.get('mount');
      const from = u.searchParams.get('from');
      if (mount && from && this.mounts && this.blobs.get(from)?.has(mount)) {
        held.add(mount);
        return ok(201, { 'docker-content-digest': mount });
      }
      return ok(202, { location: `/v2/${repo}/blobs/uploads/session-${this.sent.length}?state=x` });
    }
    if (what === 'blobs' && rest.startsWith('uploads/') && o.method === 'PUT') {
      this.uploads++;
      if (this.failUploadAt === this.uploads) {
        this.failUploadAt = undefined;
        throw new FerryError('FERRY_NETWORK', `${url}: socket hang up`, { url });
      }
      const digest = u.searchParams.get('digest') as string;
      const body = o.body && !(o.body instanceof Uint8Array) ? await readFile(o.body.file) : Buffer.from(o.body ?? new Uint8Array());
      if (`sha256:${createHash('sha256').update(body).digest('hex')}` !== digest) return ok(400, {}, '{"errors":[{"code":"DIGEST_INVALID"}]}');
      held.add(digest);
      return ok(201, { 'docker-content-digest': digest });
    }
    if (what === 'blobs' && o.method === 'HEAD') return ok(held.has(rest) ? 200 : 404);
    if (what === 'manifests' && o.method === 'HEAD') {
      const found = this.manifests.get(`${repo}@${rest}`);
      return found ? ok(200, { 'docker-content-digest': digestOf(found.bytes) }) : ok(404);
    }
    if (what === 'manifests' && o.method === 'PUT') {
      if (this.refuseManifests) return ok(this.refuseManifests.status, {}, JSON.stringify({ errors: [{ code: this.refuseManifests.code, message: 'refused' }] }));
      const bytes = Buffer.from(o.body as Uint8Array);
      const doc = JSON.parse(bytes.toString()) as { config?: { digest: string }; layers?: Array<{ digest: string }> };
      for (const d of [doc.config?.digest, ...(doc.layers ?? []).map((l) => l.digest)]) {
        if (d && !held.has(d)) return ok(400, {}, JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: d }] }));
      }
      this.manifests.set(`${repo}@${rest}`, { bytes, type: o.headers?.['content-type'] ?? '' });
      this.manifests.set(`${repo}@${digestOf(bytes)}`, { bytes, type: o.headers?.['content-type'] ?? '' });
      return ok(201, { 'docker-content-digest': this.rewrite ? `sha256:${'1'.repeat(64)}` : digestOf(bytes) });
    }
    throw new Error(`unexpected ${o.method} ${url}`);
  }

  count(method: string, pattern: RegExp): number {
    return this.sent.filter((s) => s.method === method && pattern.test(s.path)).length;
  }

  get(): never {
    throw new Error('not used');
  }
  download(): never {
    throw new Error('not used');
  }
  stats() {
    return this.counter.snapshot();
  }
  resetStats(): void {}
  async close(): Promise<void> {}
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let dir: string;
let store: FsBlobStore;
const base = layer('push-base', 3_000);
const alpine = image({ layers: [base, layer('push-alpine', 2_000)], label: 'alpine' });
const busybox = image({ layers: [base, layer('push-busybox', 2_000)], label: 'busybox' });

/** The catalog entry of one image with `tags`, its bytes in the blob store. */
async function entryOf(built: BuiltImage, tags: string[]): Promise<RepositoryEntry> {
  const entry = emptyEntry();
  await store.putBytes(built.manifest.bytes);
  entry.manifests[built.manifest.digest] = { mediaType: built.mediaType, size: built.manifest.bytes.length };
  for (const b of built.blobs) {
    await store.putBytes(b.bytes);
    entry.blobs[b.digest] = b.bytes.length;
  }
  for (const t of tags) entry.tags[t] = built.manifest.digest;
  return entry;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-oci-push-'));
  store = new FsBlobStore(dir);
  await store.init();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const pusher = (registry: MemoryRegistry) => new RegistryPusher(registry, store, new AbortController().signal);
const target = (repository: string) => ({ base: BASE, repository });

describe('RegistryPusher', () => {
  it('uploads blobs, then the manifest, then its tags; a blob another repository holds is mounted', async () => {
    const registry = new MemoryRegistry();
    const p = pusher(registry);
    await p.pushImage('library/alpine', target('site/library/alpine'), await entryOf(alpine, ['3.19', 'apex']));
    expect(p.counts).toEqual({ manifests: 1, tags: 2, uploaded: 3, mounted: 0, skipped: 0 });
    await p.pushImage('library/busybox', target('site/library/busybox'), await entryOf(busybox, ['1.0']));
    // The shared base layer: mounted from site/library/alpine, not uploaded again.
    expect(p.counts).toEqual({ manifests: 2, tags: 3, uploaded: 5, mounted: 1, skipped: 0 });
    expect(registry.count('POST', new RegExp(`mount=${encodeURIComponent(base.digest)}&from=site%2Flibrary%2Falpine`))).toBe(1);
    // A mount asks a token for both repositories.
    expect(registry.sent.find((s) => s.path.includes('mount='))?.scope).toBe('repository:site/library/busybox:pull,push repository:site/library/alpine:pull');
    expect(registry.manifests.get('site/library/alpine@apex')?.bytes.equals(alpine.manifest.bytes)).toBe(true);
    expect(registry.manifests.get('site/library/alpine@apex')?.type).toBe(alpine.mediaType);
    expect(registry.manifests.get('site/library/busybox@1.0')?.bytes.equals(busybox.manifest.bytes)).toBe(true);
  });

  it('uploads when the registry answers a mount with 202 (it will not mount)', async () => {
    const registry = new MemoryRegistry();
    registry.mounts = false;
    const p = pusher(registry);
    await p.pushImage('library/alpine', target('a/alpine'), await entryOf(alpine, ['3.19']));
    await p.pushImage('library/busybox', target('a/busybox'), await entryOf(busybox, ['1.0']));
    expect(p.counts).toMatchObject({ mounted: 0, uploaded: 6 });
    expect(registry.blobs.get('a/busybox')?.has(base.digest)).toBe(true);
  });

  it('skips the blobs the target repository already has', async () => {
    const registry = new MemoryRegistry();
    registry.blobs.set('site/library/alpine', new Set([base.digest, alpine.blobs[0].digest]));
    const p = pusher(registry);
    await p.pushImage('library/alpine', target('site/library/alpine'), await entryOf(alpine, ['3.19']));
    expect(p.counts).toEqual({ manifests: 1, tags: 1, uploaded: 1, mounted: 0, skipped: 2 });
    expect(registry.count('PUT', new RegExp(`uploads/.*digest=${encodeURIComponent(base.digest)}`))).toBe(0);
  });

  it('is idempotent: a second push of the same images sends one HEAD per manifest and tag, nothing else', async () => {
    const registry = new MemoryRegistry();
    await pusher(registry).pushImage('library/alpine', target('site/library/alpine'), await entryOf(alpine, ['3.19', 'apex']));
    const before = registry.sent.length;
    const again = pusher(registry);
    await again.pushImage('library/alpine', target('site/library/alpine'), await entryOf(alpine, ['3.19', 'apex']));
    expect(again.counts).toEqual({ manifests: 0, tags: 0, uploaded: 0, mounted: 0, skipped: 3 });
    const second = registry.sent.slice(before);
    expect(second.map((s) => s.method)).toEqual(['HEAD', 'HEAD', 'HEAD']);
  });

  it('a tag that moved upstream is pushed again (its HEAD names another digest)', async () => {
    const registry = new MemoryRegistry();
    await pusher(registry).pushImage('library/alpine', target('r/alpine'), await entryOf(busybox, ['latest']));
    const p = pusher(registry);
    await p.pushImage('library/alpine', target('r/alpine'), await entryOf(alpine, ['latest']));
    expect(p.counts).toMatchObject({ manifests: 1, tags: 1 });
    expect(registry.manifests.get('r/alpine@latest')?.bytes.equals(alpine.manifest.bytes)).toBe(true);
  });

  it('is resumable: a push cut short by a network failure continues where it stopped, nothing uploaded twice', async () => {
    const registry = new MemoryRegistry();
    registry.failUploadAt = 2;
    const entry = await entryOf(alpine, ['3.19']);
    await expect(pusher(registry).pushImage('library/alpine', target('r/alpine'), entry)).rejects.toMatchObject({ code: 'FERRY_NETWORK' });
    expect(registry.blobs.get('r/alpine')?.size).toBe(1);
    expect(registry.manifests.size).toBe(0);
    const p = pusher(registry);
    await p.pushImage('library/alpine', target('r/alpine'), entry);
    expect(p.counts).toEqual({ manifests: 1, tags: 1, uploaded: 2, mounted: 0, skipped: 1 });
    // Every blob went up once, apart from the upload the failure cut.
    for (const b of alpine.blobs) expect(registry.count('PUT', new RegExp(`digest=${encodeURIComponent(b.digest)}`))).toBeLessThanOrEqual(2);
    expect(registry.sent.filter((s) => s.method === 'PUT' && s.path.includes('uploads/')).length).toBe(4);
  });

  it('pushes the children of an index before the index, then the tag', async () => {
    const registry = new MemoryRegistry();
    const amd = image({ layers: [layer('idx-amd', 1_000)], oci: true });
    const arm = image({ layers: [layer('idx-arm', 1_000)], oci: true, architecture: 'arm64' });
    const built = index([
      { image: amd, os: 'linux', architecture: 'amd64' },
      { image: arm, os: 'linux', architecture: 'arm64' },
    ]);
    const entry = await entryOf(built, ['1.0']);
    for (const child of [amd, arm]) {
      const own = await entryOf(child, []);
      Object.assign(entry.manifests, own.manifests);
      Object.assign(entry.blobs, own.blobs);
    }
    // A registry refuses an index whose children it lacks: the in-memory one checks blobs only, so check the order.
    await pusher(registry).pushImage('multi/app', target('m/app'), entry);
    const puts = registry.sent.filter((s) => s.method === 'PUT' && s.path.includes('/manifests/')).map((s) => s.path.split('/manifests/')[1]);
    expect(puts.indexOf(built.manifest.digest)).toBeGreaterThan(Math.max(puts.indexOf(amd.manifest.digest), puts.indexOf(arm.manifest.digest)));
    expect(puts[puts.length - 1]).toBe('1.0');
  });

  it('a refused manifest is FERRY_HTTP_STATUS naming image, reference, URL and the registry error code', async () => {
    const registry = new MemoryRegistry();
    registry.refuseManifests = { status: 403, code: 'DENIED' };
    const failure = pusher(registry).pushImage('library/alpine', target('site/library/alpine'), await entryOf(alpine, ['3.19']));
    await expect(failure).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 403, image: 'library/alpine', tag: alpine.manifest.digest } });
    await expect(failure).rejects.toThrow(`push library/alpine:${alpine.manifest.digest}: HTTP 403 from ${BASE}/v2/site/library/alpine/manifests/${alpine.manifest.digest} while putting the manifest (DENIED: refused)`);
  });

  it('a registry that stores another digest than the bytes sent is FERRY_DIGEST_MISMATCH', async () => {
    const registry = new MemoryRegistry();
    registry.rewrite = true;
    await expect(pusher(registry).pushImage('library/alpine', target('x/alpine'), await entryOf(alpine, ['3.19']))).rejects.toMatchObject({ code: 'FERRY_DIGEST_MISMATCH', data: { expected: alpine.manifest.digest } });
  });
});
