/**
 * The controller's status as data: built from the loop's notices, the suspension file and the
 * published snapshot, served as GET /status. Conditions follow STYLE.md rule 6: a failure is
 * cleared only by a later success, and Ready is recomputed on every read.
 */
import type { FerryError } from '../../core/ferry-error.js';
import type { MirrorOutcome } from '../../core/mirror-outcome.js';
import type { ProgressTracker, ProgressView } from '../../core/sync-progress.js';
import type { SnapshotManifest } from '../../store/types.js';
import type { RefreshHold } from '../refresh/refresh-hold.js';
import { mirrorConditions, primaryCondition, type Condition, type ConditionMemory, type ConditionType, type MirrorFacts } from './mirror-conditions.js';
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
  /** The primary condition, lower-cased (what `ferry status` and the metrics count). */
  state: 'ready' | 'failed' | 'fetching' | 'stale' | 'pending';
  condition: { type: ConditionType | 'Pending'; reason: string; message?: string; since: string };
  conditions: Condition[];
  /** Served files and bytes. */
  files?: number;
  bytes?: number;
  error?: string;
  /** Refresh interval from the model (`6h`), if it has one. */
  refresh?: string;
  lastRefreshAt?: string;
  nextRefreshAt?: string;
  /** Failed syncs or refreshes in a row. */
  failures: number;
  /** When its served content last changed, in which snapshot, and why. */
  lastChange?: MirrorChange;
  /** Download progress while the run in progress syncs it. */
  progress?: ProgressView;
}

export interface MirrorChange {
  at: string;
  snapshot: string;
  commit?: string;
  /** `refresh` (upstream changed), `model` (the commit changed it), `resign` (Release files signed again), `revert`. */
  cause?: string;
  upstream?: string;
}

/** What the refresh scheduler knows about one mirror. */
export interface MirrorClockView {
  intervalMs: number;
  nextAt?: number;
  lastRefreshAt?: number;
}

interface Tracked {
  failure?: MirrorFacts['failure'];
  lastRefreshAt?: number;
  refresh?: string;
  lastError?: string;
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
  /** Scheduled upstream refreshes: held after a model revert until `ferry resume`. */
  refresh: { held: boolean; reason?: string; since?: string; snapshot?: string; nextAt?: string; nextRenewalAt?: string };
  /** Download progress of the run in progress, all mirrors together. */
  progress?: ProgressView;
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
  private readonly tracked = new Map<string, Tracked>();
  /** The mirrors of the applied model (undefined until a run reported them). */
  private desired?: Set<string>;
  private readonly memory: ConditionMemory = new Map();
  private progress?: ProgressTracker;
  private fetching: ReadonlySet<string> = new Set();
  private changes: Record<string, MirrorChange> = {};
  private hold: RefreshHold = { held: false };

  constructor(
    private readonly source: Record<string, unknown>,
    private readonly nextPoll: () => number | undefined = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  private clock: (id: string) => MirrorClockView | undefined = () => undefined;
  private nextRefresh: () => number | undefined = () => undefined;

  private nextRevisit: () => number | undefined = () => undefined;

  /** When the revisit timer runs next (Release files re-signed before their Valid-Until). */
  setRevisit(nextAt: () => number | undefined): void {
    this.nextRevisit = nextAt;
  }

  /** Where the refresh scheduler's view comes from. */
  setSchedule(clock: (id: string) => MirrorClockView | undefined, nextAt: () => number | undefined): void {
    this.clock = clock;
    this.nextRefresh = nextAt;
  }

  setRefreshHold(hold: RefreshHold): void {
    this.hold = hold;
  }
  /** The last content change of each mirror (from the history). */
  setChanges(changes: Record<string, MirrorChange>): void {
    this.changes = changes;
  }
  /** The run in progress: its download progress, and the mirrors whose upstream it reads (`*`: all). */
  setSync(progress: ProgressTracker | undefined, fetching: readonly string[] = []): void {
    this.progress = progress;
    this.fetching = new Set(fetching);
  }

  /** Folds one run's per-mirror outcomes in: failures (counted, with their first time), successful refreshes. */
  observeMirrors(outcomes: readonly MirrorOutcome[], at: number = this.now()): void {
    this.desired = new Set(outcomes.map((o) => o.id));
    for (const id of this.tracked.keys()) if (!this.desired.has(id)) this.tracked.delete(id);
    for (const o of outcomes) {
      const t = this.tracked.get(o.id) ?? {};
      t.refresh = o.refresh;
      if (o.outcome === 'failed' && o.error) {
        t.failure = { code: o.error.code, message: o.error.message, errorClass: o.error.errorClass, since: t.failure?.since ?? at, count: (t.failure?.count ?? 0) + 1 };
      } else if (o.refreshed || o.outcome === 'changed') {
        t.failure = undefined;
        t.lastRefreshAt = at;
      }
      this.tracked.set(o.id, t);
    }
  }

  /** A whole run failed: the mirrors its errors name are failing too (the served snapshot is unchanged). */
  private observeRunErrors(errors: FerryError[], errorClass: string, at: number): void {
    const seen = new Set<string>();
    for (const e of errors) {
      const id = typeof e.data.resource === 'string' ? e.data.resource : undefined;
      if (!id || seen.has(id)) continue;
      seen.add(id);
      const t = this.tracked.get(id) ?? {};
      t.failure = { code: e.code, message: e.message, errorClass: e.errorClass ?? errorClass, since: t.failure?.since ?? at, count: (t.failure?.count ?? 0) + 1 };
      this.tracked.set(id, t);
    }
  }

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
        this.observeRunErrors(n.errors, n.errorClass, this.now());
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
    const now = this.now();
    const served = new Map((this.published?.resources ?? []).map((r) => [`${r.kind}/${r.name}`, r]));
    const ids = new Set([...served.keys(), ...(this.desired ?? []), ...this.tracked.keys()]);
    const out: MirrorStatus[] = [];
    for (const id of ids) {
      const r = served.get(id);
      const t = this.tracked.get(id) ?? {};
      const [kind, ...rest] = id.split('/');
      const clock = this.clock(id);
      const progress = this.progress?.view(id);
      const facts: MirrorFacts = {
        id,
        served: r && this.published ? { snapshot: this.published.id, files: r.files.length, bytes: r.files.reduce((s, f) => s + f.size, 0) } : undefined,
        failure: t.failure,
        intervalMs: clock?.intervalMs,
        lastRefreshAt: t.lastRefreshAt ?? clock?.lastRefreshAt,
        fetching: !!this.progress && (this.fetching.has(id) || this.fetching.has('*') || (progress !== undefined && progress.filesDone < progress.filesTotal)),
        progress,
      };
      const conditions = mirrorConditions(facts, now, this.memory);
      const condition = primaryCondition(conditions);
      out.push({
        id,
        kind,
        name: rest.join('/'),
        state: condition.type.toLowerCase() as MirrorStatus['state'],
        condition,
        conditions,
        files: facts.served?.files,
        bytes: facts.served?.bytes,
        error: t.failure?.message,
        refresh: t.refresh,
        lastRefreshAt: iso(facts.lastRefreshAt),
        nextRefreshAt: this.hold.held ? undefined : iso(clock?.nextAt),
        failures: t.failure?.count ?? 0,
        lastChange: this.changes[id],
        progress: facts.fetching ? progress : undefined,
      });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
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
      refresh: { held: this.hold.held, reason: this.hold.reason, since: this.hold.since, snapshot: this.hold.snapshot, nextAt: this.hold.held ? undefined : iso(this.nextRefresh()), nextRenewalAt: iso(this.nextRevisit()) },
      progress: running ? this.progress?.view() : undefined,
      startedAt: this.startedAt,
    };
  }
}
