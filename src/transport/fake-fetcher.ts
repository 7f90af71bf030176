import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';
import { StatsCounter, hostKey } from './transport-stats.js';
import type { DownloadOptions, DownloadResult, Fetcher, GetOptions, GetResult, SendOptions, SendResult } from './types.js';

/** What the fake answers for a URL: a body (status 200 unless set), a bare status, or a thrown error. */
export type FakeResponse =
  | { body: string | Uint8Array; status?: number; headers?: Record<string, string> }
  | { status: number; headers?: Record<string, string>; body?: undefined }
  | { error: Error };

export interface FakeCall {
  method: 'get' | 'download' | SendOptions['method'];
  url: string;
  dest?: string;
}

/**
 * An in-memory Fetcher for tests of the stages above transport (after aptly's http/fake.go).
 * `route(url, …)` answers every request for a URL; `expect(url, …)` queues answers used once
 * each, in order, before the route. Unknown URLs get a 404. Downloads are written to `dest`
 * and verified (size, sha256) like the real fetcher; there are no retries. `calls` lists every
 * request and `unconsumed()` the queued answers nobody asked for.
 */
export class FakeFetcher implements Fetcher {
  readonly calls: FakeCall[] = [];
  private readonly routes = new Map<string, FakeResponse>();
  private readonly queues = new Map<string, FakeResponse[]>();
  private readonly counter = new StatsCounter();

  constructor(routes: Record<string, string | Uint8Array | FakeResponse> = {}) {
    for (const [url, r] of Object.entries(routes)) this.route(url, r);
  }

  route(url: string, response: string | Uint8Array | FakeResponse): this {
    this.routes.set(url, normalize(response));
    return this;
  }

  expect(url: string, ...responses: (string | Uint8Array | FakeResponse)[]): this {
    const queue = this.queues.get(url) ?? [];
    queue.push(...responses.map(normalize));
    this.queues.set(url, queue);
    return this;
  }

  unconsumed(): { url: string; count: number }[] {
    return [...this.queues].filter(([, q]) => q.length > 0).map(([url, q]) => ({ url, count: q.length }));
  }

  async get(url: string, options: GetOptions = {}): Promise<GetResult> {
    this.calls.push({ method: 'get', url });
    const { status, headers, body } = this.answer(url, options.signal);
    const etag = headers.etag;
    const lastModified = headers['last-modified'];
    const common = { url, status, headers, etag, lastModified };
    if ((options.etag && options.etag === etag) || (options.lastModified && options.lastModified === lastModified)) {
      return { ...common, status: 304, body: Buffer.alloc(0), notModified: true };
    }
    if (options.allowNotFound && (status === 404 || status === 410)) return { ...common, body: Buffer.alloc(0), notModified: false };
    if (status < 200 || status > 299) throw statusError(url, status);
    const maxBytes = options.maxBytes ?? 1 << 30;
    if (body.length > maxBytes) {
      throw new FerryError('FERRY_SIZE_MISMATCH', `${redactUrl(url)}: body larger than the limit of ${maxBytes} bytes`, {
        url: redactUrl(url),
        expected: `<=${maxBytes}`,
        actual: body.length,
      });
    }
    this.counter.bytes(hostKey(url), body.length);
    return { ...common, body, notModified: false };
  }

  async download(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    this.calls.push({ method: 'download', url, dest });
    const { status, body } = this.answer(url, options.signal);
    if (status < 200 || status > 299) throw statusError(url, status);
    this.counter.bytes(hostKey(url), body.length);
    const where = redactUrl(url);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (options.size !== undefined && body.length !== options.size) {
      await rm(dest, { force: true });
      throw new FerryError('FERRY_SIZE_MISMATCH', `${where}: expected ${options.size} bytes, got ${body.length}`, { url: where, expected: options.size, actual: body.length });
    }
    if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
      await rm(dest, { force: true });
      throw new FerryError('FERRY_DIGEST_MISMATCH', `${where}: sha256 mismatch`, { url: where, expected: options.sha256.toLowerCase(), actual: sha256 });
    }
    await writeFile(dest, body, { signal: options.signal });
    options.onProgress?.(body.length, body.length);
    return { url, sha256, size: body.length, bytesFetched: body.length, resumed: false };
  }

  /** Answers `METHOD url` routes first (`PUT http://r/v2/...`), then plain `url` routes; any status resolves. */
  async send(url: string, options: SendOptions): Promise<SendResult> {
    this.calls.push({ method: options.method, url });
    const keyed = `${options.method} ${url}`;
    const { status, headers, body } = this.queues.get(keyed)?.length || this.routes.has(keyed) ? this.answer(keyed, options.signal) : this.answer(url, options.signal);
    return { url, status, headers, body: options.method === 'HEAD' ? Buffer.alloc(0) : body };
  }

  stats() {
    return this.counter.snapshot();
  }

  resetStats(): void {
    this.counter.reset();
  }

  async close(): Promise<void> {}

  private answer(url: string, signal?: AbortSignal): { status: number; headers: Record<string, string>; body: Buffer } {
    if (signal?.aborted) throw new FerryError('FERRY_ABORTED', `${redactUrl(url)}: aborted`, { url: redactUrl(url) });
    this.counter.request(hostKey(url));
    const queued = this.queues.get(url)?.shift();
    const r = queued ?? this.routes.get(url) ?? { status: 404 };
    if ('error' in r) throw r.error;
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
    return { status: r.status ?? 200, headers: r.headers ?? {}, body };
  }
}

export function createFakeFetcher(routes: Record<string, string | Uint8Array | FakeResponse> = {}): FakeFetcher {
  return new FakeFetcher(routes);
}

function normalize(r: string | Uint8Array | FakeResponse): FakeResponse {
  return typeof r === 'string' || r instanceof Uint8Array ? { body: r } : r;
}

function statusError(url: string, status: number): FerryError {
  return new FerryError('FERRY_HTTP_STATUS', `HTTP ${status} from ${redactUrl(url)}`, { url: redactUrl(url), status });
}
