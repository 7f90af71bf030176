/**
 * The controller's Prometheus metrics (prom-client, on a registry of its own so that tests
 * and several controllers in one process do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CONDITION_TYPES } from './mirror-conditions.js';
import type { MirrorStatus } from './status-board.js';

const MIRROR_STATES = ['ready', 'failed', 'fetching', 'stale', 'pending'];

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
  readonly mirrorReady: Gauge<'mirror'>;
  readonly mirrorCondition: Gauge<'mirror' | 'condition' | 'reason'>;
  readonly mirrorFailures: Gauge<'mirror'>;
  readonly mirrorLastRefresh: Gauge<'mirror'>;
  readonly mirrorBytesToDo: Gauge<'mirror'>;
  readonly refreshes: Counter<'result'>;
  /** The mirrors as /status shows them, read at each scrape (set by the controller). */
  mirrorSource: () => MirrorStatus[] = () => [];

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Event-loop lag percentiles sampled once a second: prom-client's default (every 10 ms) wakes an
    // idle controller 100 times a second, ~30 CPU s an hour here (bench/controller-idle.ts); a lag
    // that matters for a controller (a blocked loop delaying webhooks) lasts far longer than 1 s.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ferry_', eventLoopMonitoringPrecision: 1000 });
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
    this.mirrors = new Gauge({ name: 'ferry_mirrors', help: 'Mirrors by primary condition (ready, failed, fetching, stale, pending).', labelNames: ['state'], registers });
    this.webhooks = new Counter({ name: 'ferry_webhook_requests_total', help: 'Webhook requests by provider and result (accepted, ignored, unauthorized, bad_request).', labelNames: ['provider', 'result'], registers });
    this.suspended = new Gauge({ name: 'ferry_suspended', help: '1 while automatic reconciliation is suspended.', registers });
    this.consecutiveFailures = new Gauge({ name: 'ferry_consecutive_failures', help: 'Failed runs since the last success.', registers });
    this.lastSuccess = new Gauge({ name: 'ferry_last_success_timestamp_seconds', help: 'When the last reconcile succeeded.', registers });
    for (const state of MIRROR_STATES) this.mirrors.set({ state }, 0);
    // Per-mirror gauges are filled at scrape time from the same view as /status, so they never lag it.
    const source = () => this.mirrorSource();
    const perMirror = (fill: (m: MirrorStatus) => void) =>
      function (this: Gauge<string>) {
        this.reset();
        for (const m of source()) fill.call(this, m);
      };
    this.mirrorReady = new Gauge({
      name: 'ferry_mirror_ready',
      help: '1 when the mirror is served as the model wants it and its last sync succeeded, 0 otherwise (failed mirrors keep serving their last good content).',
      labelNames: ['mirror'],
      registers,
      collect: perMirror(function (this: Gauge<'mirror'>, m) {
        this.set({ mirror: m.id }, m.conditions.find((c) => c.type === 'Ready')?.status ? 1 : 0);
      }),
    });
    this.mirrorCondition = new Gauge({
      name: 'ferry_mirror_condition',
      help: 'Conditions per mirror (Ready, Fetching, Stale, Failed): 1 when true, with the reason.',
      labelNames: ['mirror', 'condition', 'reason'],
      registers,
      collect: perMirror(function (this: Gauge<'mirror' | 'condition' | 'reason'>, m) {
        for (const type of CONDITION_TYPES) {
          const c = m.conditions.find((x) => x.type === type);
          if (c) this.set({ mirror: m.id, condition: type, reason: c.reason }, c.status ? 1 : 0);
        }
      }),
    });
    this.mirrorFailures = new Gauge({
      name: 'ferry_mirror_consecutive_failures',
      help: 'Failed syncs or refreshes of the mirror in a row.',
      labelNames: ['mirror'],
      registers,
      collect: perMirror(function (this: Gauge<'mirror'>, m) {
        this.set({ mirror: m.id }, m.failures);
      }),
    });
    this.mirrorLastRefresh = new Gauge({
      name: 'ferry_mirror_last_refresh_timestamp_seconds',
      help: 'When the mirror\'s upstream was last read successfully.',
      labelNames: ['mirror'],
      registers,
      collect: perMirror(function (this: Gauge<'mirror'>, m) {
        if (m.lastRefreshAt) this.set({ mirror: m.id }, Date.parse(m.lastRefreshAt) / 1000);
      }),
    });
    this.mirrorBytesToDo = new Gauge({
      name: 'ferry_mirror_sync_remaining_bytes',
      help: 'Bytes the run in progress still has to download for the mirror.',
      labelNames: ['mirror'],
      registers,
      collect: perMirror(function (this: Gauge<'mirror'>, m) {
        if (m.progress) this.set({ mirror: m.id }, Math.max(0, m.progress.bytesTotal - m.progress.bytesDone));
      }),
    });
    this.refreshes = new Counter({ name: 'ferry_refresh_runs_total', help: 'Scheduled or asked refresh runs, by result (published, unchanged, failed, skipped).', labelNames: ['result'], registers });
  }

  setPublished(snapshot: { id: string; commit?: string; desiredHash: string } | null): void {
    this.publishedSnapshot.reset();
    if (snapshot) this.publishedSnapshot.set({ snapshot: snapshot.id, commit: snapshot.commit ?? '', desired_hash: snapshot.desiredHash }, 1);
  }

  setMirrors(counts: Record<string, number>): void {
    this.mirrors.reset();
    for (const state of MIRROR_STATES) this.mirrors.set({ state }, counts[state] ?? 0);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
