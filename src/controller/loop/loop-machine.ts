/**
 * The reconcile loop as a pure state machine: `step(state, event)` returns the next state and
 * the actions the I/O shell (reconcile-loop.ts) must carry out. No clock, no timers, no I/O:
 * time arrives in the events.
 *
 * A run has two phases: `fetch` (ask the server where the tracked branch is now) and
 * `reconcile` (apply that commit). Rules:
 * - one run at a time; triggers that arrive during a run collapse into one more run;
 * - a failing commit is retried with exponential backoff; a stalled failure (bad model,
 *   untrusted signature) is not retried until the branch moves;
 * - a new commit resets the backoff and runs at once (it supersedes the failing one; a retry of
 *   the failing commit in progress is aborted when a trigger names a different commit);
 * - the head already applied is not applied again unless the trigger forces it;
 * - suspended: triggers are ignored and a running run is cancelled; resume forces a run;
 * - a refresh trigger names mirrors whose upstream is to be re-read (`*`: all); it runs even
 *   when the head is already applied, and refresh sets of collapsed triggers are merged. A
 *   refresh on a failing head in backoff or stalled is skipped like any other trigger (the
 *   served snapshot stands; the refresh comes back when next due).
 */
import type { ErrorClass } from '../../core/ferry-error.js';

export interface Trigger {
  /** Who asked: `webhook:gerrit`, `poll`, `watch`, `cli`, `startup`, `retry`, `resume`. */
  by: string;
  /** Run even if the head is already applied or in backoff. */
  force?: boolean;
  /** The commit the trigger claims (a webhook's newRev): a hint only, never applied as such. */
  hint?: string;
  /** Mirrors (`kind/name`, or `*` for all) whose upstream this run must re-read. */
  refresh?: readonly string[];
}

export interface RunState {
  id: number;
  phase: 'fetch' | 'reconcile';
  revision?: string;
  force: boolean;
  by: string[];
  startedAt: number;
  /** Mirrors to refresh (`*`: all); absent for a run that only follows the model. */
  refresh?: string[];
}

export interface LoopState {
  suspended: boolean;
  running?: RunState;
  pending?: { force: boolean; by: string[]; refresh?: string[] };
  nextRunId: number;
  /** Consecutive failed runs. */
  failures: number;
  failedRevision?: string;
  /** Failure needs a new commit: no retry timer. */
  stalled: boolean;
  /** When the next retry is due (epoch ms). */
  retryAt?: number;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
}

export type LoopEvent =
  | { type: 'trigger'; at: number; trigger: Trigger }
  | { type: 'fetched'; at: number; runId: number; revision: string }
  | { type: 'finished'; at: number; runId: number; ok: boolean; revision?: string; errorClass?: ErrorClass; cancelled?: boolean }
  | { type: 'retryDue'; at: number }
  | { type: 'cancel'; at: number }
  | { type: 'suspend'; at: number }
  | { type: 'resume'; at: number };

export type SkipReason = 'unchanged' | 'backoff' | 'stalled';

export type LoopAction =
  | { type: 'fetch'; runId: number; by: string[] }
  | { type: 'reconcile'; runId: number; revision: string; force: boolean; by: string[]; refresh?: string[] }
  | { type: 'newRevision'; revision: string; by: string[] }
  | { type: 'skip'; runId: number; revision: string; reason: SkipReason }
  | { type: 'abort'; runId: number; reason: 'superseded' | 'suspended' | 'cancelled' }
  | { type: 'setRetryTimer'; at: number }
  | { type: 'clearRetryTimer' };

export interface LoopConfig {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_LOOP_CONFIG: LoopConfig = { backoffBaseMs: 5_000, backoffMaxMs: 10 * 60_000 };

export function initialLoopState(restored: Pick<LoopState, 'lastAttemptedRevision' | 'lastAppliedRevision'> & { suspended?: boolean } = {}): LoopState {
  return {
    suspended: !!restored.suspended,
    nextRunId: 1,
    failures: 0,
    stalled: false,
    lastAttemptedRevision: restored.lastAttemptedRevision,
    lastAppliedRevision: restored.lastAppliedRevision,
  };
}

/** Delay before retry number `failures` (1-based): base·2^(n-1), capped. */
export function backoffDelay(failures: number, config: LoopConfig): number {
  return Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.max(0, failures - 1));
}

interface Result {
  state: LoopState;
  actions: LoopAction[];
}

/** The union of two refresh sets (`*` absorbs everything); undefined when both are. */
export function mergeRefresh(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] | undefined {
  if (!a?.length && !b?.length) return undefined;
  const all = new Set([...(a ?? []), ...(b ?? [])]);
  return all.has('*') ? ['*'] : [...all].sort();
}

function start(state: LoopState, at: number, force: boolean, by: string[], refresh?: string[]): Result {
  const id = state.nextRunId;
  return {
    state: { ...state, nextRunId: id + 1, pending: undefined, running: { id, phase: 'fetch', force, by, startedAt: at, ...(refresh ? { refresh } : {}) } },
    actions: [{ type: 'fetch', runId: id, by }],
  };
}

/** Ends the current run and starts the collapsed one, if any. */
function finish(state: LoopState, at: number, actions: LoopAction[]): Result {
  const idle: LoopState = { ...state, running: undefined };
  if (idle.pending && !idle.suspended) {
    const next = start(idle, at, idle.pending.force, idle.pending.by, idle.pending.refresh);
    return { state: next.state, actions: [...actions, ...next.actions] };
  }
  return { state: { ...idle, pending: undefined }, actions };
}

function request(state: LoopState, at: number, trigger: Trigger): Result {
  if (state.suspended) return { state, actions: [] };
  const running = state.running;
  if (!running) return start(state, at, !!trigger.force, [trigger.by], mergeRefresh(trigger.refresh, undefined));
  const refresh = mergeRefresh(state.pending?.refresh, trigger.refresh);
  const pending = { force: !!trigger.force || !!state.pending?.force, by: [...(state.pending?.by ?? []), trigger.by], ...(refresh ? { refresh } : {}) };
  const actions: LoopAction[] = [];
  const retryingFailure = running.phase === 'reconcile' && state.failures > 0 && running.revision === state.failedRevision;
  if (retryingFailure && trigger.hint && trigger.hint !== running.revision) actions.push({ type: 'abort', runId: running.id, reason: 'superseded' });
  return { state: { ...state, pending }, actions };
}

function fetched(state: LoopState, at: number, runId: number, revision: string): Result {
  const running = state.running;
  if (!running || running.id !== runId || running.phase !== 'fetch') return { state, actions: [] };
  if (!running.force) {
    let skip: SkipReason | undefined;
    if (revision === state.failedRevision) {
      if (state.stalled) skip = 'stalled';
      else if (state.retryAt !== undefined && at < state.retryAt) skip = 'backoff';
    } else if (revision === state.lastAppliedRevision && state.failures === 0 && !running.refresh) {
      skip = 'unchanged';
    }
    if (skip) return finish(state, at, [{ type: 'skip', runId, revision, reason: skip }]);
  }
  const actions: LoopAction[] = [];
  let next: LoopState = state;
  if (state.failures > 0 && revision !== state.failedRevision) {
    next = { ...next, failures: 0, failedRevision: undefined, stalled: false, retryAt: undefined };
    actions.push({ type: 'clearRetryTimer' });
  }
  if (revision !== state.lastAttemptedRevision) actions.push({ type: 'newRevision', revision, by: running.by });
  actions.push({ type: 'reconcile', runId, revision, force: running.force, by: running.by, ...(running.refresh ? { refresh: running.refresh } : {}) });
  next = { ...next, lastAttemptedRevision: revision, running: { ...running, phase: 'reconcile', revision } };
  return { state: next, actions };
}

function finished(state: LoopState, event: Extract<LoopEvent, { type: 'finished' }>, config: LoopConfig): Result {
  const running = state.running;
  if (!running || running.id !== event.runId) return { state, actions: [] };
  if (event.cancelled) return finish(state, event.at, []);
  if (event.ok) {
    const next: LoopState = {
      ...state,
      lastAppliedRevision: event.revision ?? state.lastAppliedRevision,
      failures: 0,
      failedRevision: undefined,
      stalled: false,
      retryAt: undefined,
    };
    return finish(next, event.at, state.retryAt !== undefined ? [{ type: 'clearRetryTimer' }] : []);
  }
  const failures = state.failures + 1;
  const stalled = event.errorClass === 'stalled';
  const retryAt = stalled ? undefined : event.at + backoffDelay(failures, config);
  const next: LoopState = { ...state, failures, failedRevision: event.revision ?? running.revision ?? state.failedRevision, stalled, retryAt };
  const actions: LoopAction[] = retryAt !== undefined ? [{ type: 'setRetryTimer', at: retryAt }] : [{ type: 'clearRetryTimer' }];
  return finish(next, event.at, actions);
}

export function step(state: LoopState, event: LoopEvent, config: LoopConfig = DEFAULT_LOOP_CONFIG): Result {
  switch (event.type) {
    case 'trigger':
      return request(state, event.at, event.trigger);
    case 'fetched':
      return fetched(state, event.at, event.runId, event.revision);
    case 'finished':
      return finished(state, event, config);
    case 'retryDue':
      return request(state, event.at, { by: 'retry' });
    case 'cancel':
      return state.running ? { state: { ...state, pending: undefined }, actions: [{ type: 'abort', runId: state.running.id, reason: 'cancelled' }] } : { state, actions: [] };
    case 'suspend': {
      const next: LoopState = { ...state, suspended: true, pending: undefined };
      return { state: next, actions: state.running ? [{ type: 'abort', runId: state.running.id, reason: 'suspended' }] : [] };
    }
    case 'resume': {
      if (!state.suspended) return { state, actions: [] };
      return request({ ...state, suspended: false }, event.at, { by: 'resume', force: true });
    }
  }
}
