/**
 * A Fetcher that loads the HTTP transport (undici, p-queue) on its first request. A reconcile
 * that asks upstream nothing (a file mirror, an unchanged resource, a guard that returns early)
 * then never pays for loading it. Until then stats() are zeros and close() does nothing.
 */
import type { HttpFetcherOptions } from './http-fetcher.js';
import type { DownloadOptions, DownloadResult, Fetcher, GetOptions, GetResult, SendOptions, SendResult, TransportStats } from './types.js';

export function createLazyFetcher(options: HttpFetcherOptions = {}): Fetcher {
  let loading: Promise<Fetcher> | undefined;
  let real: Fetcher | undefined;
  const load = () =>
    (loading ??= import('./http-fetcher.js').then(({ createHttpFetcher }) => {
      real = createHttpFetcher(options);
      return real;
    }));
  return {
    get: async (url: string, opts?: GetOptions): Promise<GetResult> => (await load()).get(url, opts),
    download: async (url: string, dest: string, opts?: DownloadOptions): Promise<DownloadResult> => (await load()).download(url, dest, opts),
    send: async (url: string, opts: SendOptions): Promise<SendResult> => {
      const f = await load();
      if (!f.send) throw new Error('the HTTP fetcher has no send');
      return f.send(url, opts);
    },
    stats: (): TransportStats => real?.stats() ?? { requests: 0, bytes: 0, retries: 0, resumed: 0, byHost: {} },
    resetStats: () => real?.resetStats(),
    close: async () => {
      if (loading) await (await loading).close();
    },
  };
}
