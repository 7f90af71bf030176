import type { HostStats, TransportStats } from './types.js';

/**
 * The counters every Fetcher keeps (the real one and the fake alike): requests sent, body bytes
 * received, retries, resumed downloads, in total and per host. `snapshot()` returns a copy.
 */
export class StatsCounter {
  private totals: TransportStats = emptyStats();

  private host(host: string): HostStats {
    let h = this.totals.byHost[host];
    if (!h) {
      h = { requests: 0, bytes: 0, retries: 0, resumed: 0 };
      this.totals.byHost[host] = h;
    }
    return h;
  }

  request(host: string): void {
    this.totals.requests++;
    this.host(host).requests++;
  }

  bytes(host: string, n: number): void {
    this.totals.bytes += n;
    this.host(host).bytes += n;
  }

  retry(host: string): void {
    this.totals.retries++;
    this.host(host).retries++;
  }

  resumed(host: string): void {
    this.totals.resumed++;
    this.host(host).resumed++;
  }

  snapshot(): TransportStats {
    const byHost: Record<string, HostStats> = {};
    for (const [k, v] of Object.entries(this.totals.byHost)) byHost[k] = { ...v };
    return { ...this.totals, byHost };
  }

  reset(): void {
    this.totals = emptyStats();
  }
}

function emptyStats(): TransportStats {
  return { requests: 0, bytes: 0, retries: 0, resumed: 0, byHost: {} };
}

/** The key of a URL in `byHost`: host and port as the URL spells them. */
export function hostKey(url: URL | string): string {
  return (typeof url === 'string' ? new URL(url) : url).host;
}
