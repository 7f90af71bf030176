/**
 * The I/O shell around loop-machine.ts: it owns the timers and the AbortControllers, runs the
 * fetch and apply steps it is given, feeds their outcomes back to the machine and reports what
 * happened as notices (the controller turns them into status, metrics and events).
 *
 * Each run gets one AbortSignal: cancelled by `cancel()`, `suspend()`, supersede, `close()`, or
 * by the per-run timeout (a timeout counts as a retryable failure; the others do not count).
 */
import { FerryError, toFerryErrors, type ErrorClass } from '../../core/ferry-error.js';
import { DEFAULT_LOOP_CONFIG, initialLoopState, step, type LoopAction, type LoopConfig, type LoopEvent, type LoopState, type SkipReason, type Trigger } from './loop-machine.js';

export interface RunContext {
  signal: AbortSignal;
  runId: number;
  force: boolean;
  by: string[];
  /** Mirrors whose upstream to re-read (`*`: all), for refresh runs. */
  refresh?: string[];
}

export interface LoopDeps<R> {
  /** Asks the server where the tracked branch is (never trusts a webhook's payload). */
  fetchHead(ctx: RunContext): Promise<string>;
  /** Applies a commit; throws FerryError(s) on failure. */
  apply(revision: string, ctx: RunContext): Promise<R>;
  onNotice?(notice: LoopNotice<R>): void;
  now?: () => number;
  /** Per-run timeout (fetch + apply), ms. */
  timeoutMs?: number;
  config?: LoopConfig;
}

export type LoopNotice<R> =
  | { type: 'runStarted'; runId: number; by: string[]; at: number }
  | { type: 'fetched'; runId: number; revision: string; durationMs: number }
  | { type: 'fetchFailed'; runId: number; errors: FerryError[]; durationMs: number; cancelled: boolean }
  | { type: 'newRevision'; revision: string; by: string[] }
  | { type: 'skipped'; runId: number; revision: string; reason: SkipReason }
  | { type: 'applying'; runId: number; revision: string; force: boolean }
  | { type: 'succeeded'; runId: number; revision: string; result: R; durationMs: number }
  | { type: 'failed'; runId: number; revision: string; errors: FerryError[]; durationMs: number; errorClass: ErrorClass }
  | { type: 'cancelled'; runId: number; revision?: string; reason: string }
  | { type: 'retryScheduled'; at: number }
  | { type: 'idle'; state: LoopState };

/** The class that decides retry policy for a list of errors: stalled only if all are. */
function classOf(errors: FerryError[]): ErrorClass {
  if (errors.length > 0 && errors.every((e) => e.errorClass === 'stalled')) return 'stalled';
  return errors.some((e) => e.errorClass === 'bug') ? 'bug' : 'retryable';
}

export class ReconcileLoop<R> {
  private machine: LoopState;
  private readonly deps: LoopDeps<R>;
  private readonly config: LoopConfig;
  private readonly now: () => number;
  private readonly runs = new Map<number, { controller: AbortController; reason?: string; started: number; done: Promise<void> }>();
  private retryTimer?: NodeJS.Timeout;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(deps: LoopDeps<R>, initial: LoopState = initialLoopState()) {
    this.deps = deps;
    this.machine = initial;
    this.config = deps.config ?? DEFAULT_LOOP_CONFIG;
    this.now = deps.now ?? Date.now;
  }

  get state(): LoopState {
    return this.machine;
  }

  trigger(trigger: Trigger): void {
    this.dispatch({ type: 'trigger', at: this.now(), trigger });
  }
  cancel(): void {
    this.dispatch({ type: 'cancel', at: this.now() });
  }
  suspend(): void {
    if (!this.machine.suspended) this.dispatch({ type: 'suspend', at: this.now() });
  }
  resume(): void {
    if (this.machine.suspended) this.dispatch({ type: 'resume', at: this.now() });
  }

  /** Resolves when no run is in progress or pending. */
  idle(): Promise<void> {
    if (!this.machine.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops timers, aborts the run in progress and waits for it to end. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const runs = [...this.runs.values()];
    for (const run of runs) {
      run.reason = 'closing';
      run.controller.abort(new Error('controller closing'));
    }
    await Promise.all(runs.map((r) => r.done));
  }

  private dispatch(event: LoopEvent): void {
    if (this.closed && event.type !== 'finished') return;
    const { state, actions } = step(this.machine, event, this.config);
    this.machine = state;
    for (const action of actions) this.execute(action);
    if (!this.machine.running) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      this.deps.onNotice?.({ type: 'idle', state: this.machine });
      for (const w of waiters) w();
    }
  }

  private notice(n: LoopNotice<R>): void {
    try {
      this.deps.onNotice?.(n);
    } catch {
      // An observer's failure must not break the loop.
    }
  }

  private execute(action: LoopAction): void {
    switch (action.type) {
      case 'fetch':
        this.startFetch(action.runId, action.by);
        return;
      case 'reconcile':
        this.startApply(action.runId, action.revision, action.force, action.by, action.refresh);
        return;
      case 'newRevision':
        this.notice({ type: 'newRevision', revision: action.revision, by: action.by });
        return;
      case 'skip':
        this.notice({ type: 'skipped', runId: action.runId, revision: action.revision, reason: action.reason });
        return;
      case 'abort': {
        const run = this.runs.get(action.runId);
        if (run) {
          run.reason = action.reason;
          run.controller.abort(new Error(`run ${action.reason}`));
        }
        return;
      }
      case 'setRetryTimer': {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.dispatch({ type: 'retryDue', at: this.now() }), Math.max(0, action.at - this.now()));
        this.retryTimer.unref();
        this.notice({ type: 'retryScheduled', at: action.at });
        return;
      }
      case 'clearRetryTimer':
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        return;
    }
  }

  private signalFor(runId: number): { signal: AbortSignal; entry: { controller: AbortController; reason?: string; started: number; done: Promise<void> } } {
    let entry = this.runs.get(runId);
    if (!entry) {
      entry = { controller: new AbortController(), started: this.now(), done: Promise.resolve() };
      this.runs.set(runId, entry);
    }
    const timeout = this.deps.timeoutMs;
    const signal = timeout ? AbortSignal.any([entry.controller.signal, AbortSignal.timeout(Math.max(1, timeout - (this.now() - entry.started)))]) : entry.controller.signal;
    return { signal, entry };
  }

  /** A run stopped by its timeout is reported as such, whatever the step threw. */
  private errorsOf(e: unknown, signal: AbortSignal, cancelled: boolean): FerryError[] {
    if (!cancelled && signal.aborted) {
      return [new FerryError('FERRY_ABORTED', `the run timed out after ${this.deps.timeoutMs ?? 0} ms`, { expected: this.deps.timeoutMs })];
    }
    return toFerryErrors(e);
  }

  private startFetch(runId: number, by: string[]): void {
    const { signal, entry } = this.signalFor(runId);
    const ctx: RunContext = { signal, runId, force: !!this.machine.running?.force, by };
    const started = this.now();
    this.notice({ type: 'runStarted', runId, by, at: started });
    entry.done = (async () => {
      try {
        const revision = await this.deps.fetchHead(ctx);
        if (entry.reason) throw new Error(`run ${entry.reason}`);
        this.notice({ type: 'fetched', runId, revision, durationMs: this.now() - started });
        this.dispatch({ type: 'fetched', at: this.now(), runId, revision });
      } catch (e) {
        const cancelled = !!entry.reason;
        const errors = this.errorsOf(e, signal, cancelled);
        this.runs.delete(runId);
        if (cancelled) this.notice({ type: 'cancelled', runId, reason: entry.reason ?? 'cancelled' });
        else this.notice({ type: 'fetchFailed', runId, errors, durationMs: this.now() - started, cancelled });
        this.dispatch({ type: 'finished', at: this.now(), runId, ok: false, errorClass: cancelled ? undefined : classOf(errors), cancelled });
      }
    })();
  }

  private startApply(runId: number, revision: string, force: boolean, by: string[], refresh?: string[]): void {
    const { signal, entry } = this.signalFor(runId);
    const started = this.now();
    this.notice({ type: 'applying', runId, revision, force });
    entry.done = (async () => {
      try {
        const result = await this.deps.apply(revision, { signal, runId, force, by, refresh });
        this.runs.delete(runId);
        this.notice({ type: 'succeeded', runId, revision, result, durationMs: this.now() - started });
        this.dispatch({ type: 'finished', at: this.now(), runId, ok: true, revision });
      } catch (e) {
        this.runs.delete(runId);
        const cancelled = !!entry.reason;
        const errors = this.errorsOf(e, signal, cancelled);
        const errorClass = classOf(errors);
        if (cancelled) this.notice({ type: 'cancelled', runId, revision, reason: entry.reason ?? 'cancelled' });
        else this.notice({ type: 'failed', runId, revision, errors, durationMs: this.now() - started, errorClass });
        this.dispatch({ type: 'finished', at: this.now(), runId, ok: false, revision, errorClass, cancelled });
      }
    })();
  }
}
