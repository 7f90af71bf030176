/**
 * The HTTP client isomorphic-git uses, on undici, so that every git request honours the
 * caller's AbortSignal (isomorphic-git's bundled node client takes none).
 */
import { request, type Dispatcher } from 'undici';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

async function collect(body: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A client bound to one signal; `onBytes` counts response bytes (for metrics). */
export function createGitHttp(options: { signal?: AbortSignal; onBytes?: (n: number) => void; dispatcher?: Dispatcher } = {}): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = req.method ?? 'GET';
      const body = req.body ? await collect(req.body) : undefined;
      const res = await request(req.url, { method: method as 'GET' | 'POST', headers: req.headers, body, signal: options.signal, dispatcher: options.dispatcher });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const onBytes = options.onBytes;
      async function* stream(): AsyncGenerator<Uint8Array> {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          onBytes?.(chunk.length);
          yield chunk;
        }
      }
      return { url: req.url, method, statusCode: res.statusCode, statusMessage: String(res.statusCode), headers, body: stream() };
    },
  };
}
