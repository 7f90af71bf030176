/**
 * Conditions per mirror, as data (STYLE.md rule 6): Ready, Fetching, Stale and Failed, each
 * with a status, a reason, a message and the time it last changed. Derived on every read from
 * the facts the controller has gathered, so that none goes stale; `since` is carried over
 * from the previous derivation while a condition's status does not change.
 *
 * - Ready: the mirror is served, as the applied model wants it, and its last sync did not fail.
 * - Fetching: the run in progress reads its upstream or downloads its files.
 * - Stale: served, but its upstream has not been read successfully for two intervals, or its
 *   last refresh failed and the last good content is served instead.
 * - Failed: its last sync or refresh failed (reason from the error's class, message = the error).
 */
import type { ProgressView } from '../../core/sync-progress.js';

export const CONDITION_TYPES = ['Ready', 'Fetching', 'Stale', 'Failed'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface Condition {
  type: ConditionType;
  status: boolean;
  reason: string;
  message?: string;
  /** ISO time the status last changed (as seen by this controller). */
  since: string;
}

export interface MirrorFacts {
  id: string;
  /** Served in the published snapshot, with its file count and bytes. */
  served?: { snapshot: string; files: number; bytes: number };
  /** The last sync or refresh of the mirror failed (its first failure in a row: `since`). */
  failure?: { code: string; message: string; errorClass: string; since: number; count: number };
  /** Refresh interval (ms) and the last successful read of its upstream (epoch ms). */
  intervalMs?: number;
  lastRefreshAt?: number;
  /** The run in progress reads this mirror's upstream. */
  fetching?: boolean;
  progress?: ProgressView;
}

export type ConditionMemory = Map<string, Map<ConditionType, { status: boolean; since: string }>>;

const REASONS: Record<string, string> = { retryable: 'UpstreamUnavailable', stalled: 'UpstreamInvalid', bug: 'InternalError' };

function derive(f: MirrorFacts, now: number): Array<Omit<Condition, 'since'>> {
  const failed = !!f.failure;
  const overdue = f.served && f.intervalMs !== undefined && f.lastRefreshAt !== undefined && now - f.lastRefreshAt > 2 * f.intervalMs;
  const p = f.progress;
  return [
    f.served && !failed
      ? { type: 'Ready', status: true, reason: 'Served', message: `served from snapshot ${f.served.snapshot}` }
      : { type: 'Ready', status: false, reason: failed ? 'SyncFailed' : 'NotServed', message: failed && f.served ? `serving the last good content, from snapshot ${f.served.snapshot}` : failed ? 'not served: no good content yet' : 'not in the published snapshot yet' },
    f.fetching
      ? { type: 'Fetching', status: true, reason: p && p.filesTotal > 0 ? 'Downloading' : 'ReadingUpstream', message: p && p.filesTotal > 0 ? `${p.filesDone}/${p.filesTotal} files, ${p.bytesDone}/${p.bytesTotal} bytes` : undefined }
      : { type: 'Fetching', status: false, reason: 'Idle' },
    failed && f.served
      ? { type: 'Stale', status: true, reason: 'ServingLastGood', message: `refresh failing since ${new Date(f.failure!.since).toISOString()}` }
      : overdue
        ? { type: 'Stale', status: true, reason: 'RefreshOverdue', message: `upstream last read ${new Date(f.lastRefreshAt!).toISOString()}` }
        : { type: 'Stale', status: false, reason: f.intervalMs !== undefined ? 'RefreshedOnSchedule' : 'FollowsModel' },
    failed
      ? { type: 'Failed', status: true, reason: REASONS[f.failure!.errorClass] ?? 'SyncFailed', message: `${f.failure!.code}: ${f.failure!.message}${f.failure!.count > 1 ? ` (${f.failure!.count} attempts)` : ''}` }
      : { type: 'Failed', status: false, reason: 'Succeeded' },
  ];
}

/** The mirror's conditions now; `memory` keeps each condition's `since` across calls (updated in place). */
export function mirrorConditions(f: MirrorFacts, now: number, memory: ConditionMemory): Condition[] {
  const mine = memory.get(f.id) ?? new Map<ConditionType, { status: boolean; since: string }>();
  memory.set(f.id, mine);
  const at = new Date(now).toISOString();
  return derive(f, now).map((c) => {
    const before = mine.get(c.type);
    let since = before && before.status === c.status ? before.since : at;
    if (c.type === 'Failed' && c.status && f.failure) since = new Date(f.failure.since).toISOString();
    mine.set(c.type, { status: c.status, since });
    return { ...c, since };
  });
}

/** The one condition a table shows: Failed, else Fetching, else Stale, else Ready, else Pending. */
export function primaryCondition(conditions: Condition[]): { type: ConditionType | 'Pending'; reason: string; message?: string; since: string } {
  for (const type of ['Failed', 'Fetching', 'Stale', 'Ready'] as const) {
    const c = conditions.find((x) => x.type === type && x.status);
    if (c) return c;
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  return { type: 'Pending', reason: ready?.reason ?? 'NotServed', message: ready?.message, since: ready?.since ?? new Date(0).toISOString() };
}
