/**
 * Each mirror's last content change, read from the publish history: the newest entry that names
 * it in `changed` (entries written before per-mirror changes were recorded name none).
 */
import type { HistoryEntry } from '../../store/types.js';
import type { MirrorChange } from './status-board.js';

export function lastChanges(history: readonly HistoryEntry[]): Record<string, MirrorChange> {
  const out: Record<string, MirrorChange> = {};
  for (const h of history) {
    for (const c of h.changed ?? []) {
      out[c.mirror] = { at: h.time, snapshot: h.snapshot, commit: h.commit, cause: h.cause, upstream: c.upstream };
    }
  }
  return out;
}
