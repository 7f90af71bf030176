/**
 * The HTTP client isomorphic-git talks through, on undici, so that every request of a mirror
 * run honours its AbortSignal and is counted (requests, response bytes). With `advertise`, the
 * ref advertisement a fetch reads is narrowed to the refs the mirror publishes.
 */
import { request, type Dispatcher } from 'undici';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { filterAdvertisement } from './filter-advertisement.js';

export interface HttpCounts {
  requests: number;
  bytes: number;
}

export interface CountingHttpClient extends HttpClient {
  readonly counts: HttpCounts;
}

export interface GitHttpClientOptions {
  signal: AbortSignal;
  dispatcher?: Dispatcher;
  /** Counters to add to (shared by the clients of one run); fresh ones by default. */
  counts?: HttpCounts;
  /** Advertise only these refs to isomorphic-git's fetch (see filter-advertisement.ts). */
  advertise?: (ref: string) => boolean;
}

const ADVERTISEMENT = /\/info\/refs\?service=git-upload-pack$/;

async function bodyBytes(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function* counted(body: AsyncIterable<Buffer>, counts: HttpCounts): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    counts.bytes += chunk.length;
    yield chunk;
  }
}

async function* narrowed(body: AsyncIterable<Buffer>, counts: HttpCounts, keep: (ref: string) => boolean): AsyncGenerator<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const chunk of counted(body, counts)) parts.push(Buffer.from(chunk));
  yield filterAdvertisement(Buffer.concat(parts), keep);
}

export function gitHttpClient(options: GitHttpClientOptions): CountingHttpClient {
  const counts = options.counts ?? { requests: 0, bytes: 0 };
  return {
    counts,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = (req.method ?? 'GET') as 'GET' | 'POST';
      counts.requests++;
      const res = await request(req.url, { method, headers: req.headers, body: await bodyBytes(req.body), signal: options.signal, dispatcher: options.dispatcher });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const body = res.body as AsyncIterable<Buffer>;
      const filter = options.advertise && method === 'GET' && res.statusCode === 200 && ADVERTISEMENT.test(req.url) ? options.advertise : undefined;
      if (filter) delete headers['content-length'];
      return { url: req.url, method, statusCode: res.statusCode, statusMessage: String(res.statusCode), headers, body: filter ? narrowed(body, counts, filter) : counted(body, counts) };
    },
  };
}
