/**
 * A small distribution-API registry in the test process (pull side only: /v2/, tags/list,
 * manifests, blobs) that can misbehave on purpose, for the faults Debian's docker-registry will
 * not produce: wrong bytes under a digest, a lying Docker-Content-Digest, oversized or unknown
 * manifests, a blob it lacks, 401/403/404/429/503 on chosen paths, Retry-After, and blob GETs
 * redirected to a blob store on another origin (which records the Authorization it was sent).
 * Every request is logged with its Authorization header.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltImage } from './oci-images.js';

export interface LoggedRequest {
  method: string;
  path: string;
  authorization?: string;
}

/** An answer forced on requests whose path matches, `times` times (default: always). */
export interface ForcedAnswer {
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: string;
  times?: number;
}

export interface Faults {
  answers: ForcedAnswer[];
  /** Blob or manifest digests whose bytes are served with one byte flipped. */
  corrupt: Set<string>;
  /** Tags whose manifest answer carries another Docker-Content-Digest. */
  lyingDigest: Set<string>;
  /** Blob digests the registry says it does not have. */
  missing: Set<string>;
  /** Basic credentials every request must carry. */
  basic?: { user: string; password: string };
  /** Blob GETs answer 307 to this origin (a blob store: `<origin>/<digest>`). */
  redirectBlobsTo?: string;
}

export interface FaultRegistry {
  url: string;
  host: string;
  faults: Faults;
  log: LoggedRequest[];
  /** Stores an image (children too) under `repository`, tagged `tags`. */
  add(repository: string, built: BuiltImage, tags: string[]): void;
  /** Stores raw manifest bytes under a tag (with the Content-Type to serve). */
  addManifest(repository: string, tag: string, bytes: Buffer, contentType: string): string;
  blob(digest: string): Buffer | undefined;
  reset(): void;
  close(): Promise<void>;
}

interface Repo {
  tags: Map<string, string>;
  manifests: Map<string, { bytes: Buffer; contentType: string }>;
}

function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function flipped(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length >> 1] ^= 0xff;
  return copy;
}

const emptyFaults = (): Faults => ({ answers: [], corrupt: new Set(), lyingDigest: new Set(), missing: new Set() });

export async function startFaultRegistry(): Promise<FaultRegistry> {
  const repos = new Map<string, Repo>();
  const blobs = new Map<string, Buffer>();
  const log: LoggedRequest[] = [];
  const state = { faults: emptyFaults() };

  const repo = (name: string): Repo => {
    let r = repos.get(name);
    if (!r) repos.set(name, (r = { tags: new Map(), manifests: new Map() }));
    return r;
  };

  const error = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    const method = req.method ?? 'GET';
    log.push({ method, path: url.pathname, authorization: req.headers.authorization });
    const f = state.faults;
    for (const a of f.answers) {
      if (!a.path.test(url.pathname) || a.times === 0) continue;
      if (a.times !== undefined) a.times--;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? JSON.stringify({ errors: [{ code: a.status === 429 ? 'TOOMANYREQUESTS' : 'DENIED', message: `forced ${a.status}` }] }));
      return;
    }
    if (f.basic && req.headers.authorization !== `Basic ${Buffer.from(`${f.basic.user}:${f.basic.password}`).toString('base64')}`) {
      return error(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="fault-registry"' });
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{}');
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/]+)$/.exec(url.pathname);
    if (!m) return error(res, 404, 'NOT_FOUND', 'no such endpoint');
    const [, name, what, ref] = m;
    const r = repos.get(name);
    if (!r) return error(res, 404, 'NAME_UNKNOWN', `repository ${name} unknown`);
    if (what === 'tags') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ name, tags: [...r.tags.keys()].sort() }));
    }
    if (what === 'manifests') {
      const digest = ref.startsWith('sha256:') ? ref : r.tags.get(ref);
      const found = digest ? r.manifests.get(digest) : undefined;
      if (!digest || !found) return error(res, 404, 'MANIFEST_UNKNOWN', `manifest ${ref} unknown`);
      const bytes = f.corrupt.has(digest) ? flipped(found.bytes) : found.bytes;
      const claimed = f.lyingDigest.has(ref) ? `sha256:${'0'.repeat(64)}` : digest;
      res.writeHead(200, { 'content-type': found.contentType, 'content-length': String(bytes.length), 'docker-content-digest': claimed });
      return res.end(method === 'HEAD' ? undefined : bytes);
    }
    const bytes = blobs.get(ref);
    if (!bytes || f.missing.has(ref)) return error(res, 404, 'BLOB_UNKNOWN', `blob ${ref} unknown`);
    if (f.redirectBlobsTo && method === 'GET') {
      res.writeHead(307, { location: `${f.redirectBlobsTo}/${ref}?signature=x` });
      return res.end();
    }
    const body = f.corrupt.has(ref) ? flipped(bytes) : bytes;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'docker-content-digest': ref });
    res.end(method === 'HEAD' ? undefined : body);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const add = (repository: string, built: BuiltImage, tags: string[]) => {
    for (const child of built.children ?? []) add(repository, child, []);
    for (const b of built.blobs) blobs.set(b.digest, b.bytes);
    const r = repo(repository);
    r.manifests.set(built.manifest.digest, { bytes: built.manifest.bytes, contentType: built.mediaType });
    for (const t of tags) r.tags.set(t, built.manifest.digest);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    get faults() {
      return state.faults;
    },
    log,
    add,
    addManifest(repository, tag, bytes, contentType) {
      const digest = sha256Digest(bytes);
      const r = repo(repository);
      r.manifests.set(digest, { bytes, contentType });
      r.tags.set(tag, digest);
      return digest;
    },
    blob: (digest) => blobs.get(digest),
    reset() {
      state.faults = emptyFaults();
      log.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BlobStoreServer {
  url: string;
  log: LoggedRequest[];
  close(): Promise<void>;
}

/** The blob store a registry redirects to: serves `<origin>/<digest>` from `lookup`, logging Authorization. */
export async function startBlobStore(lookup: (digest: string) => Buffer | undefined): Promise<BlobStoreServer> {
  const log: LoggedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://store');
    log.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization });
    const bytes = lookup(url.pathname.slice(1));
    if (!bytes) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
