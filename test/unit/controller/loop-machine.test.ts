import { describe, it, expect } from '@jest/globals';
import { backoffDelay, initialLoopState, step, type LoopAction, type LoopEvent, type LoopState } from '../../../src/controller/loop/loop-machine.js';

const config = { backoffBaseMs: 1000, backoffMaxMs: 8000 };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** Feeds events in order and returns the final state and every action, in order. */
function play(events: LoopEvent[], state: LoopState = initialLoopState()): { state: LoopState; actions: LoopAction[] } {
  const actions: LoopAction[] = [];
  for (const e of events) {
    const r = step(state, e, config);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}
const types = (actions: LoopAction[]) => actions.map((a) => a.type);

describe('loop machine', () => {
  it('runs fetch then reconcile and records the applied revision', () => {
    const { state, actions } = play([
      { type: 'trigger', at: 0, trigger: { by: 'webhook:gerrit' } },
      { type: 'fetched', at: 1, runId: 1, revision: A },
      { type: 'finished', at: 2, runId: 1, ok: true, revision: A },
    ]);
    expect(types(actions)).toEqual(['fetch', 'newRevision', 'reconcile']);
    expect(state.lastAppliedRevision).toBe(A);
    expect(state.lastAttemptedRevision).toBe(A);
    expect(state.running).toBeUndefined();
  });

  it('collapses triggers during a run into one more run', () => {
    const { state, actions } = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'trigger', at: 1, trigger: { by: 'webhook:github' } },
      { type: 'trigger', at: 2, trigger: { by: 'webhook:gerrit' } },
      { type: 'trigger', at: 3, trigger: { by: 'cli', force: true } },
      { type: 'fetched', at: 4, runId: 1, revision: A },
      { type: 'finished', at: 5, runId: 1, ok: true, revision: A },
    ]);
    expect(types(actions)).toEqual(['fetch', 'newRevision', 'reconcile', 'fetch']);
    const second = actions[3] as Extract<LoopAction, { type: 'fetch' }>;
    expect(second.runId).toBe(2);
    expect(second.by).toEqual(['webhook:github', 'webhook:gerrit', 'cli']);
    expect(state.running).toMatchObject({ id: 2, force: true });
    expect(state.pending).toBeUndefined();
  });

  it('skips a head that is already applied, unless forced', () => {
    const base = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 1, runId: 1, revision: A },
      { type: 'finished', at: 2, runId: 1, ok: true, revision: A },
    ]).state;
    const again = play([{ type: 'trigger', at: 3, trigger: { by: 'poll' } }, { type: 'fetched', at: 4, runId: 2, revision: A }], base);
    expect(again.actions.at(-1)).toEqual({ type: 'skip', runId: 2, revision: A, reason: 'unchanged' });
    const forced = play([{ type: 'trigger', at: 3, trigger: { by: 'cli', force: true } }, { type: 'fetched', at: 4, runId: 2, revision: A }], base);
    expect(forced.actions.at(-1)).toMatchObject({ type: 'reconcile', revision: A, force: true });
    expect(types(forced.actions)).not.toContain('newRevision');
  });

  it('backs off exponentially on a retryable failure, skipping triggers until the retry is due', () => {
    let r = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 0, runId: 1, revision: A },
      { type: 'finished', at: 100, runId: 1, ok: false, revision: A, errorClass: 'retryable' },
    ]);
    expect(r.actions.at(-1)).toEqual({ type: 'setRetryTimer', at: 1100 });
    expect(r.state).toMatchObject({ failures: 1, failedRevision: A, retryAt: 1100 });
    // A poll before the retry is due sees the same head: skipped.
    r = play([{ type: 'trigger', at: 500, trigger: { by: 'poll' } }, { type: 'fetched', at: 510, runId: 2, revision: A }], r.state);
    expect(r.actions.at(-1)).toMatchObject({ type: 'skip', reason: 'backoff' });
    // The retry timer fires: runs again, fails again, the delay doubles.
    r = play(
      [
        { type: 'retryDue', at: 1100 },
        { type: 'fetched', at: 1110, runId: 3, revision: A },
        { type: 'finished', at: 1200, runId: 3, ok: false, revision: A, errorClass: 'retryable' },
      ],
      r.state,
    );
    expect(types(r.actions)).toEqual(['fetch', 'reconcile', 'setRetryTimer']);
    expect(r.state.retryAt).toBe(1200 + 2000);
    expect(r.state.failures).toBe(2);
  });

  it('caps the backoff', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, config))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('resets the backoff when a new commit arrives (a newer commit supersedes a failing one)', () => {
    const failed = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 0, runId: 1, revision: A },
      { type: 'finished', at: 10, runId: 1, ok: false, revision: A, errorClass: 'retryable' },
    ]).state;
    const r = play([{ type: 'trigger', at: 20, trigger: { by: 'webhook:gerrit' } }, { type: 'fetched', at: 30, runId: 2, revision: B }], failed);
    expect(types(r.actions)).toEqual(['fetch', 'clearRetryTimer', 'newRevision', 'reconcile']);
    expect(r.state).toMatchObject({ failures: 0, failedRevision: undefined, retryAt: undefined, lastAttemptedRevision: B, lastAppliedRevision: undefined });
  });

  it('aborts a retry of the failing commit when a trigger names another commit', () => {
    const retrying = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 0, runId: 1, revision: A },
      { type: 'finished', at: 10, runId: 1, ok: false, revision: A, errorClass: 'retryable' },
      { type: 'retryDue', at: 1010 },
      { type: 'fetched', at: 1011, runId: 2, revision: A },
    ]).state;
    const same = step(retrying, { type: 'trigger', at: 1020, trigger: { by: 'webhook:gerrit', hint: A } }, config);
    expect(same.actions).toEqual([]);
    const other = step(retrying, { type: 'trigger', at: 1020, trigger: { by: 'webhook:gerrit', hint: C } }, config);
    expect(other.actions).toEqual([{ type: 'abort', runId: 2, reason: 'superseded' }]);
    // The aborted run does not count as a failure; the collapsed run starts.
    const after = step(other.state, { type: 'finished', at: 1030, runId: 2, ok: false, revision: A, cancelled: true }, config);
    expect(after.state.failures).toBe(1);
    expect(types(after.actions)).toEqual(['fetch']);
  });

  it('does not retry a stalled failure until the branch moves', () => {
    let r = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 0, runId: 1, revision: A },
      { type: 'finished', at: 10, runId: 1, ok: false, revision: A, errorClass: 'stalled' },
    ]);
    expect(r.actions.at(-1)).toEqual({ type: 'clearRetryTimer' });
    expect(r.state).toMatchObject({ stalled: true, retryAt: undefined });
    r = play([{ type: 'trigger', at: 999999, trigger: { by: 'poll' } }, { type: 'fetched', at: 999999, runId: 2, revision: A }], r.state);
    expect(r.actions.at(-1)).toMatchObject({ type: 'skip', reason: 'stalled' });
    r = play([{ type: 'trigger', at: 1000000, trigger: { by: 'poll' } }, { type: 'fetched', at: 1000000, runId: 3, revision: B }], r.state);
    expect(r.actions.at(-1)).toMatchObject({ type: 'reconcile', revision: B });
    expect(r.state.stalled).toBe(false);
  });

  it('ignores stale fetched/finished events from another run', () => {
    const s = play([{ type: 'trigger', at: 0, trigger: { by: 'poll' } }]).state;
    expect(step(s, { type: 'fetched', at: 1, runId: 7, revision: A }, config)).toEqual({ state: s, actions: [] });
    expect(step(s, { type: 'finished', at: 1, runId: 7, ok: true }, config)).toEqual({ state: s, actions: [] });
  });

  it('suspend cancels the running run and ignores triggers; resume forces a run', () => {
    let r = play([
      { type: 'trigger', at: 0, trigger: { by: 'poll' } },
      { type: 'fetched', at: 0, runId: 1, revision: A },
      { type: 'trigger', at: 1, trigger: { by: 'poll' } },
      { type: 'suspend', at: 2 },
    ]);
    expect(r.actions.at(-1)).toEqual({ type: 'abort', runId: 1, reason: 'suspended' });
    r = play([{ type: 'finished', at: 3, runId: 1, ok: false, revision: A, cancelled: true }, { type: 'trigger', at: 4, trigger: { by: 'webhook:gerrit' } }], r.state);
    expect(r.actions).toEqual([]);
    expect(r.state).toMatchObject({ suspended: true, running: undefined, failures: 0 });
    r = play([{ type: 'resume', at: 5 }], r.state);
    expect(r.actions).toEqual([{ type: 'fetch', runId: 2, by: ['resume'] }]);
    expect(r.state.running?.force).toBe(true);
  });

  it('cancel aborts the run in progress', () => {
    const s = play([{ type: 'trigger', at: 0, trigger: { by: 'poll' } }]).state;
    expect(step(s, { type: 'cancel', at: 1 }, config).actions).toEqual([{ type: 'abort', runId: 1, reason: 'cancelled' }]);
    expect(step(initialLoopState(), { type: 'cancel', at: 1 }, config).actions).toEqual([]);
  });

  it('a refresh runs on the applied head, merges with collapsed refreshes, and waits out a failing head', () => {
    const applied = play([
      { type: 'trigger', at: 0, trigger: { by: 'startup' } },
      { type: 'fetched', at: 1, runId: 1, revision: A },
      { type: 'finished', at: 2, runId: 1, ok: true, revision: A },
    ]).state;
    const r = play([{ type: 'trigger', at: 3, trigger: { by: 'refresh', refresh: ['deb/b'] } }, { type: 'fetched', at: 4, runId: 2, revision: A }], applied);
    expect(r.actions.at(-1)).toEqual({ type: 'reconcile', runId: 2, revision: A, force: false, by: ['refresh'], refresh: ['deb/b'] });
    // Refreshes asked during a run collapse into the next one, their sets merged.
    const c = play(
      [
        { type: 'trigger', at: 5, trigger: { by: 'refresh', refresh: ['deb/a'] } },
        { type: 'trigger', at: 6, trigger: { by: 'poll' } },
        { type: 'finished', at: 7, runId: 2, ok: true, revision: A },
        { type: 'fetched', at: 8, runId: 3, revision: A },
      ],
      r.state,
    );
    expect(c.actions.at(-1)).toEqual({ type: 'reconcile', runId: 3, revision: A, force: false, by: ['refresh', 'poll'], refresh: ['deb/a'] });
    // A head that failed and waits for a new commit: the refresh is skipped, the served snapshot stands.
    const stalled = play([{ type: 'finished', at: 9, runId: 3, ok: false, revision: A, errorClass: 'stalled' }], c.state).state;
    const s = play([{ type: 'trigger', at: 10, trigger: { by: 'refresh', refresh: ['deb/a'] } }, { type: 'fetched', at: 11, runId: 4, revision: A }], stalled);
    expect(s.actions.at(-1)).toEqual({ type: 'skip', runId: 4, revision: A, reason: 'stalled' });
  });
});
