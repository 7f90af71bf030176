/**
 * The HTTP client isomorphic-git uses, over the transport's Fetcher (src/transport): every git
 * request of the model source goes through the same client as the mirrors' downloads, so
 * HTTPS_PROXY / NO_PROXY, redirects (GET), retries, per-origin credentials from the auth file,
 * the caller's AbortSignal and the request and byte counts apply to it too. A response is read
 * whole (isomorphic-git reads a pack into memory anyway), up to MAX_GIT_RESPONSE.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { FerryError } from '../../core/ferry-error.js';
import type { Fetcher } from '../../transport/types.js';

/** Largest answer read (a model repository's pack): 1 GiB. */
const MAX_GIT_RESPONSE = 1 << 30;

async function collect(body: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A client over `fetcher`, bound to one signal; `onBytes` counts response bytes (for metrics). */
export function createGitHttp(options: { fetcher: Fetcher; signal?: AbortSignal; onBytes?: (n: number) => void }): HttpClient {
  const { fetcher } = options;
  if (!fetcher.send) throw new FerryError('FERRY_INTERNAL', 'the git HTTP client needs a fetcher that sends any method (Fetcher.send)', {});
  const send = fetcher.send.bind(fetcher);
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = req.method === 'POST' ? 'POST' : 'GET';
      const body = req.body ? await collect(req.body) : undefined;
      const res = await send(req.url, { method, headers: req.headers, body, signal: options.signal, maxBytes: MAX_GIT_RESPONSE });
      options.onBytes?.(res.body.length);
      async function* once(): AsyncGenerator<Uint8Array> {
        yield res.body;
      }
      return { url: res.url, method, statusCode: res.status, statusMessage: String(res.status), headers: res.headers, body: once() };
    },
  };
}
