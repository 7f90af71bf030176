import { describe, it, expect } from '@jest/globals';
import { failureEventType } from '../../../src/controller/notice-recorder.js';
import { StatusBoard, type ApplyReport } from '../../../src/controller/status/status-board.js';
import { initialLoopState } from '../../../src/controller/loop/loop-machine.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import type { SnapshotManifest } from '../../../src/store/types.js';

const REV = 'a'.repeat(40);
const manifest: SnapshotManifest = {
  id: 's1',
  createdAt: '2026-11-21T00:00:00Z',
  commit: REV,
  desiredHash: 'h',
  site: { name: 'lab', retention: 3 },
  resources: [
    { kind: 'file', name: 'images', hash: 'x', root: 'file/images', files: [{ path: 'a.img', sha256: 'f', size: 10 }] },
    { kind: 'deb', name: 'debian', hash: 'y', root: 'deb/debian', files: [] },
  ],
};

describe('status board', () => {
  it('derives per-mirror state from the published snapshot and the failing run', () => {
    const board = new StatusBoard({ kind: 'git' }, () => Date.parse('2026-11-21T01:00:00Z'));
    board.setPublished(manifest);
    board.observe({ type: 'runStarted', runId: 1, by: ['poll'], at: Date.now() });
    const errors = [new FerryError('FERRY_HTTP_STATUS', 'upstream 503', { resource: 'deb/debian', url: 'http://u/x' })];
    board.observe({ type: 'failed', runId: 1, revision: REV, errors, durationMs: 5, errorClass: 'retryable' });
    board.setLoopState({ ...initialLoopState(), failures: 1, failedRevision: REV, retryAt: Date.parse('2026-11-21T00:10:00Z') });
    const s = board.snapshot();
    expect(s).toMatchObject({ ready: true, phase: 'idle', failures: 1, failingRevision: REV, nextRetryAt: '2026-11-21T00:10:00.000Z', nextPollAt: '2026-11-21T01:00:00.000Z' });
    expect(s.mirrors).toMatchObject([
      { id: 'deb/debian', kind: 'deb', name: 'debian', state: 'failed', files: 0, bytes: 0, error: 'upstream 503', failures: 1, condition: { type: 'Failed', reason: 'UpstreamUnavailable' } },
      { id: 'file/images', kind: 'file', name: 'images', state: 'ready', files: 1, bytes: 10, failures: 0, condition: { type: 'Ready', reason: 'Served' } },
    ]);
    // The failed mirror is still served: Stale (last good content), not Ready.
    expect(s.mirrors[0].conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', false, 'SyncFailed'],
      ['Fetching', false, 'Idle'],
      ['Stale', true, 'ServingLastGood'],
      ['Failed', true, 'UpstreamUnavailable'],
    ]);
    expect(s.lastErrors).toEqual([{ code: 'FERRY_HTTP_STATUS', message: 'upstream 503', data: { resource: 'deb/debian', url: 'http://u/x' } }]);
    expect(s.lastRun).toMatchObject({ runId: 1, result: 'failed', revision: REV });

    board.observe({ type: 'runStarted', runId: 2, by: ['retry'], at: Date.now() });
    const result = { outcome: 'published', snapshot: 's2', desiredHash: 'h', plan: { summary: {} }, stats: { bytesFetched: 7 } } as unknown as ApplyReport;
    board.observe({ type: 'succeeded', runId: 2, revision: REV, result, durationMs: 3 });
    board.setLoopState(initialLoopState({ lastAppliedRevision: REV }));
    const ok = board.snapshot();
    expect(ok.lastErrors).toEqual([]);
    // A success after a failed run: the run-level failure no longer counts once the mirror syncs.
    board.observeMirrors([
      { id: 'deb/debian', outcome: 'changed', refreshed: true },
      { id: 'file/images', outcome: 'kept', refreshed: false },
    ]);
    expect(board.snapshot().mirrors.every((m) => m.state === 'ready')).toBe(true);
    expect(ok.recentRuns.map((r) => [r.runId, r.result])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it('names the failure event after its errors', () => {
    expect(failureEventType([new FerryError('FERRY_SCHEMA', 'x'), new FerryError('FERRY_YAML_SYNTAX', 'y')])).toBe('ValidationFailed');
    expect(failureEventType([new FerryError('FERRY_UNTRUSTED_COMMIT', 'x')])).toBe('UntrustedCommit');
    expect(failureEventType([new FerryError('FERRY_SCHEMA', 'x'), new FerryError('FERRY_NETWORK', 'y')])).toBe('ApplyFailed');
  });
});
