/**
 * The controller's Prometheus metrics (prom-client, on a registry of its own so that tests
 * and several controllers in one process do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration: Histogram<'result'>;
  readonly bytesDownloaded: Counter<'kind'>;
  readonly gitFetchDuration: Histogram<string>;
  readonly gitFetchFailures: Counter<string>;
  readonly publishedSnapshot: Gauge<'snapshot' | 'commit' | 'desired_hash'>;
  readonly mirrors: Gauge<'state'>;
  readonly webhooks: Counter<'provider' | 'result'>;
  readonly suspended: Gauge<string>;
  readonly consecutiveFailures: Gauge<string>;
  readonly lastSuccess: Gauge<string>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ferry_' });
    this.reconcileDuration = new Histogram({
      name: 'ferry_reconcile_duration_seconds',
      help: 'Duration of reconcile runs (fetch, render, sync, publish), by result.',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.bytesDownloaded = new Counter({ name: 'ferry_downloaded_bytes_total', help: 'Bytes downloaded from upstream, by resource kind (git: the metadata repository).', labelNames: ['kind'], registers });
    this.gitFetchDuration = new Histogram({ name: 'ferry_git_fetch_duration_seconds', help: 'Duration of fetches of the metadata repository.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.gitFetchFailures = new Counter({ name: 'ferry_git_fetch_failures_total', help: 'Failed fetches of the metadata repository.', registers });
    this.publishedSnapshot = new Gauge({ name: 'ferry_published_snapshot_info', help: 'The published snapshot (value 1), with its commit and desired-state hash.', labelNames: ['snapshot', 'commit', 'desired_hash'], registers });
    this.mirrors = new Gauge({ name: 'ferry_mirrors', help: 'Mirrors by state (ready: served as desired; failed: its last reconcile failed; removed: served but no longer desired).', labelNames: ['state'], registers });
    this.webhooks = new Counter({ name: 'ferry_webhook_requests_total', help: 'Webhook requests by provider and result (accepted, ignored, unauthorized, bad_request).', labelNames: ['provider', 'result'], registers });
    this.suspended = new Gauge({ name: 'ferry_suspended', help: '1 while automatic reconciliation is suspended.', registers });
    this.consecutiveFailures = new Gauge({ name: 'ferry_consecutive_failures', help: 'Failed runs since the last success.', registers });
    this.lastSuccess = new Gauge({ name: 'ferry_last_success_timestamp_seconds', help: 'When the last reconcile succeeded.', registers });
    for (const state of ['ready', 'failed', 'pending']) this.mirrors.set({ state }, 0);
  }

  setPublished(snapshot: { id: string; commit?: string; desiredHash: string } | null): void {
    this.publishedSnapshot.reset();
    if (snapshot) this.publishedSnapshot.set({ snapshot: snapshot.id, commit: snapshot.commit ?? '', desired_hash: snapshot.desiredHash }, 1);
  }

  setMirrors(counts: Record<string, number>): void {
    this.mirrors.reset();
    for (const state of ['ready', 'failed', 'pending']) this.mirrors.set({ state }, counts[state] ?? 0);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
