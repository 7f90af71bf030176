/**
 * The controller's status as data: built from the loop's notices, the suspension file and the
 * published snapshot, served as GET /status. Conditions follow STYLE.md rule 6: a failure is
 * cleared only by a later success, and Ready is recomputed on every read.
 */
import type { FerryError } from '../../core/ferry-error.js';
import type { SnapshotManifest } from '../../store/types.js';
import type { LoopState } from '../loop/loop-machine.js';
import type { LoopNotice } from '../loop/reconcile-loop.js';
import type { ReconcileResult } from '../../reconcile/reconcile.js';
import type { Suspension } from '../suspension.js';

export type ApplyReport = ReconcileResult & { signer?: { method: string; signer: string } };

export interface RunRecord {
  runId: number;
  by: string[];
  revision?: string;
  result: 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  detail?: string;
  outcome?: string;
  snapshot?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  bytesFetched?: number;
  plan?: ReconcileResult['plan']['summary'];
  /** Milliseconds per pipeline step, as reconcile reports them. */
  steps?: Record<string, number>;
}

export interface MirrorStatus {
  id: string;
  kind: string;
  name: string;
  state: 'ready' | 'failed' | 'pending';
  files?: number;
  bytes?: number;
  error?: string;
}

export interface ControllerStatus {
  ready: boolean;
  phase: 'idle' | 'fetching' | 'reconciling';
  source: Record<string, unknown>;
  suspension: Suspension;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  failingRevision?: string;
  failures: number;
  stalled: boolean;
  nextRetryAt?: string;
  nextPollAt?: string;
  lastFetch?: { at: string; ok: boolean; durationMs: number; revision?: string; error?: string };
  lastRun?: RunRecord;
  /** The last runs, newest last (at most 20). */
  recentRuns: RunRecord[];
  lastErrors: Array<{ code: string; message: string; data: Record<string, unknown> }>;
  published: { snapshot: string; commit?: string; desiredHash: string; createdAt: string } | null;
  mirrors: MirrorStatus[];
  startedAt: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class StatusBoard {
  private loop?: LoopState;
  private suspension: Suspension = { suspended: false };
  private lastFetch?: ControllerStatus['lastFetch'];
  private lastRun?: RunRecord;
  private recentRuns: RunRecord[] = [];
  private lastErrors: FerryError[] = [];
  private published: SnapshotManifest | null = null;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly source: Record<string, unknown>,
    private readonly nextPoll: () => number | undefined = () => undefined,
  ) {}

  setLoopState(state: LoopState): void {
    this.loop = state;
  }
  setSuspension(s: Suspension): void {
    this.suspension = s;
  }
  setPublished(m: SnapshotManifest | null): void {
    this.published = m;
  }

  /** Folds one loop notice into the status. */
  observe(n: LoopNotice<ApplyReport>): void {
    const now = new Date().toISOString();
    switch (n.type) {
      case 'runStarted':
        this.lastRun = { runId: n.runId, by: n.by, result: 'running', startedAt: iso(n.at) ?? now };
        this.recentRuns = [...this.recentRuns.slice(-19), this.lastRun];
        return;
      case 'fetched':
        this.lastFetch = { at: now, ok: true, durationMs: n.durationMs, revision: n.revision };
        if (this.lastRun) this.lastRun.revision = n.revision;
        return;
      case 'fetchFailed':
        this.lastFetch = { at: now, ok: false, durationMs: n.durationMs, error: n.errors[0]?.message };
        this.lastErrors = n.errors;
        this.finishRun('failed', { detail: 'fetch failed' });
        return;
      case 'skipped':
        this.finishRun('skipped', { detail: n.reason, revision: n.revision });
        return;
      case 'succeeded':
        this.lastErrors = [];
        this.finishRun('succeeded', {
          revision: n.revision,
          outcome: n.result.outcome,
          snapshot: n.result.snapshot,
          durationMs: n.durationMs,
          bytesFetched: n.result.stats.bytesFetched,
          plan: n.result.plan.summary,
          steps: n.result.steps,
          detail: n.result.signer ? `signed by ${n.result.signer.signer} (${n.result.signer.method})` : undefined,
        });
        return;
      case 'failed':
        this.lastErrors = n.errors;
        this.finishRun('failed', { revision: n.revision, durationMs: n.durationMs, detail: `${n.errors.length} error(s), ${n.errorClass}` });
        return;
      case 'cancelled':
        this.finishRun('cancelled', { detail: n.reason, revision: n.revision });
        return;
      case 'idle':
        this.loop = n.state;
        return;
      default:
        return;
    }
  }

  private finishRun(result: RunRecord['result'], fields: Partial<RunRecord>): void {
    if (!this.lastRun) return;
    const finishedAt = new Date();
    this.lastRun = {
      ...this.lastRun,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      result,
      finishedAt: finishedAt.toISOString(),
      durationMs: fields.durationMs ?? finishedAt.getTime() - Date.parse(this.lastRun.startedAt),
    };
    const done = this.lastRun;
    this.recentRuns = this.recentRuns.map((r) => (r.runId === done.runId ? done : r));
  }

  mirrors(): MirrorStatus[] {
    const out = new Map<string, MirrorStatus>();
    for (const r of this.published?.resources ?? []) {
      const id = `${r.kind}/${r.name}`;
      out.set(id, { id, kind: r.kind, name: r.name, state: 'ready', files: r.files.length, bytes: r.files.reduce((s, f) => s + f.size, 0) });
    }
    const failing = this.loop?.failures ? this.lastErrors : [];
    for (const e of failing) {
      const id = typeof e.data.resource === 'string' ? e.data.resource : undefined;
      if (!id) continue;
      const [kind, ...rest] = id.split('/');
      const prev = out.get(id);
      out.set(id, { ...(prev ?? { id, kind, name: rest.join('/') }), state: 'failed', error: e.message });
    }
    return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  snapshot(): ControllerStatus {
    const loop = this.loop;
    const running = loop?.running;
    return {
      ready: !!this.published,
      phase: !running ? 'idle' : running.phase === 'fetch' ? 'fetching' : 'reconciling',
      source: this.source,
      suspension: this.suspension,
      lastAttemptedRevision: loop?.lastAttemptedRevision,
      lastAppliedRevision: loop?.lastAppliedRevision,
      failingRevision: loop?.failures ? loop.failedRevision : undefined,
      failures: loop?.failures ?? 0,
      stalled: loop?.stalled ?? false,
      nextRetryAt: iso(loop?.retryAt),
      nextPollAt: iso(this.nextPoll()),
      lastFetch: this.lastFetch,
      lastRun: this.lastRun,
      recentRuns: this.recentRuns,
      lastErrors: this.lastErrors.map((e) => ({ code: e.code, message: e.message, data: e.data })),
      published: this.published ? { snapshot: this.published.id, commit: this.published.commit, desiredHash: this.published.desiredHash, createdAt: this.published.createdAt } : null,
      mirrors: this.mirrors(),
      startedAt: this.startedAt,
    };
  }
}
