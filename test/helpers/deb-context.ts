/**
 * A DriverContext for deb driver tests: a small real Fetcher over node:http (conditional GET,
 * streaming sha256-verified downloads, a request counter), a temp blob store, the desired state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../../src/core/ferry-error.js';
import { silentLogger } from '../../src/core/logger.js';
import { hashValue } from '../../src/core/hash.js';
import { resourceId, type DesiredState, type Resource } from '../../src/core/resource.js';
import { debDriver, type DebScratch, type DebUpstream } from '../../src/drivers/deb/driver.js';
import { debKind } from '../../src/drivers/deb/kind.js';
import type { DriverContext, GeneratedFile, Resolution } from '../../src/drivers/types.js';
import type { BlobStore, ManifestResource } from '../../src/store/types.js';
import type { DownloadOptions, DownloadResult, Fetcher, GetOptions, GetResult, TransportStats } from '../../src/transport/types.js';
import type { IncomingMessage } from 'node:http';

function request(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers, agent: false }, resolve).on('error', (e) => reject(new FerryError('FERRY_NETWORK', `${url}: ${e.message}`, { url }, e)));
  });
}

export interface CountingFetcher extends Fetcher {
  log: string[];
}

export function testFetcher(): CountingFetcher {
  const log: string[] = [];
  let bytes = 0;
  const fetcher: CountingFetcher = {
    log,
    async get(url: string, o: GetOptions = {}): Promise<GetResult> {
      log.push(url);
      const headers: Record<string, string> = {};
      if (o.etag) headers['if-none-match'] = o.etag;
      if (o.lastModified) headers['if-modified-since'] = o.lastModified;
      const res = await request(url, headers);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      bytes += body.length;
      const status = res.statusCode ?? 0;
      const common = { url, status, headers: res.headers as Record<string, string>, etag: res.headers.etag, lastModified: res.headers['last-modified'] };
      if (status === 304) return { ...common, body: Buffer.alloc(0), notModified: true };
      if ((status === 404 || status === 410) && o.allowNotFound) return { ...common, body: Buffer.alloc(0), notModified: false };
      if (status !== 200) throw new FerryError('FERRY_HTTP_STATUS', `HTTP ${status} from ${url}`, { url, status });
      return { ...common, body, notModified: false };
    },
    async download(url: string, dest: string, o: DownloadOptions = {}): Promise<DownloadResult> {
      log.push(url);
      const res = await request(url, {});
      if (res.statusCode !== 200) {
        res.resume();
        throw new FerryError('FERRY_HTTP_STATUS', `HTTP ${res.statusCode} from ${url}`, { url, status: res.statusCode });
      }
      await mkdir(dirname(dest), { recursive: true });
      const hash = createHash('sha256');
      let size = 0;
      res.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      await pipeline(res, createWriteStream(dest));
      bytes += size;
      const sha256 = hash.digest('hex');
      if (o.sha256 && sha256 !== o.sha256) {
        await rm(dest, { force: true });
        throw new FerryError('FERRY_DIGEST_MISMATCH', `${url}: sha256 mismatch`, { url, expected: o.sha256, actual: sha256 });
      }
      if (o.size !== undefined && size !== o.size) {
        await rm(dest, { force: true });
        throw new FerryError('FERRY_SIZE_MISMATCH', `${url}: size mismatch`, { url, expected: o.size, actual: size });
      }
      return { url, sha256, size, bytesFetched: size, resumed: false };
    },
    stats(): TransportStats {
      return { requests: log.length, bytes, retries: 0, resumed: 0, byHost: {} };
    },
    resetStats() {
      log.length = 0;
      bytes = 0;
    },
    async close() {},
  };
  return fetcher;
}

export function tempBlobStore(root: string): BlobStore {
  const pathOf = (sha: string) => join(root, 'objects', 'sha256', sha.slice(0, 2), sha.slice(2));
  const exists = async (p: string) => stat(p).then(() => true, () => false);
  return {
    has: (sha) => exists(pathOf(sha)),
    pathOf,
    partialPath: (sha) => join(root, 'objects', 'partial', sha),
    tempPath: () => join(root, 'objects', 'tmp', randomBytes(8).toString('hex')),
    async adopt(file, sha) {
      await mkdir(dirname(pathOf(sha)), { recursive: true });
      await rename(file, pathOf(sha));
    },
    async putBytes(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const p = pathOf(sha256);
      if (!(await exists(p))) {
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, bytes);
      }
      return { sha256, size: bytes.length };
    },
  };
}

export function debResource(name: string, spec: Record<string, unknown>): Resource {
  return { kind: 'deb', name, spec, hash: hashValue({ kind: 'deb', name, spec }) };
}

export function desiredOf(resources: Resource[], site: Record<string, unknown> = {}): DesiredState {
  return { site: { name: 'lab', retention: 10, ...site }, resources, hash: hashValue(resources.map((r) => r.hash)) };
}

type DebContext = DriverContext<DebUpstream>;

/** The deb driver's resolve as the reconcile runs it: the spec parsed by the kind first. */
export async function resolveDeb(r: Resource, ctx: DebContext): Promise<Resolution<DebScratch, DebUpstream>> {
  return debDriver.resolve(r, debKind.parseSpec(r.spec, { resource: resourceId(r), site: ctx.desired.site }), ctx);
}

/** The deb driver's generate: its files, with the upstream state it hands back to persist. */
export async function generateDeb(r: Resource, resolution: Resolution<DebScratch, DebUpstream>, ctx: DebContext): Promise<GeneratedFile[] & { upstream?: DebUpstream }> {
  const generated = await debDriver.generate(r, debKind.parseSpec(r.spec, { resource: resourceId(r), site: ctx.desired.site }), resolution, ctx);
  return Object.assign(generated.files, { upstream: generated.upstream });
}

/** The deb driver's revisitAt, with the spec parsed as the reconcile does. */
export async function revisitDeb(r: Resource, ctx: DebContext): Promise<number | undefined> {
  return debDriver.revisitAt!(r, debKind.parseSpec(r.spec, { resource: resourceId(r), site: ctx.desired.site }), ctx);
}

export interface TestContext {
  ctx: (over?: Partial<DebContext>) => DebContext;
  stateDir: string;
  fetcher: CountingFetcher;
  blobs: BlobStore;
  cleanup(): Promise<void>;
}

export async function makeTestContext(desired: () => DesiredState): Promise<TestContext> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-deb-state-'));
  const fetcher = testFetcher();
  const blobs = tempBlobStore(stateDir);
  return {
    stateDir,
    fetcher,
    blobs,
    ctx: (over = {}) => ({ fetcher, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: false, desired: desired(), stateDir, ...over }),
    cleanup: () => rm(stateDir, { recursive: true, force: true }),
  };
}

/** What a store would record for a resource after sync + generate (for the next refresh). */
export async function manifestOf(resource: Resource, files: Array<{ path: string; sha256: string; size?: number; url?: string }>, generated: Array<{ path: string; content: Uint8Array }>, blobs: BlobStore, upstream?: object): Promise<ManifestResource> {
  const gen = [];
  for (const g of generated) {
    const { sha256, size } = await blobs.putBytes(g.content);
    gen.push({ path: g.path, sha256, size, generated: true });
  }
  return {
    kind: 'deb',
    name: resource.name,
    hash: resource.hash,
    root: `deb/${resource.name}`,
    files: [...files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size ?? 0, url: f.url })), ...gen],
    upstream: upstream as Record<string, unknown> | undefined,
  };
}
