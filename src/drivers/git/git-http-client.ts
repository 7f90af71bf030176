/**
 * The HTTP client isomorphic-git talks through, on undici, so that every request of a mirror
 * run honours its AbortSignal and is counted (requests, response bytes).
 */
import { request, type Dispatcher } from 'undici';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export interface CountingHttpClient extends HttpClient {
  readonly counts: { requests: number; bytes: number };
}

async function bodyBytes(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

export function gitHttpClient(options: { signal: AbortSignal; dispatcher?: Dispatcher }): CountingHttpClient {
  const counts = { requests: 0, bytes: 0 };
  return {
    counts,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = (req.method ?? 'GET') as 'GET' | 'POST';
      counts.requests++;
      const res = await request(req.url, { method, headers: req.headers, body: await bodyBytes(req.body), signal: options.signal, dispatcher: options.dispatcher });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          counts.bytes += chunk.length;
          yield chunk;
        }
      }
      return { url: req.url, method, statusCode: res.statusCode, statusMessage: String(res.statusCode), headers, body: counted() };
    },
  };
}
