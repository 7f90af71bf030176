/**
 * The refresh hold: scheduled upstream refreshes stop while it is set, model changes still
 * apply. A model revert that re-publishes a retained snapshot sets it (the operator went back
 * to that content on purpose: re-reading upstream for it would quietly undo the revert);
 * `ferry resume` lifts it, and so does the next commit that publishes another desired state
 * (not a snapshot that only re-signs the held content's Release files: revisit-timer.ts). Kept in
 * `<state>/refresh-hold.json` so that it survives restarts; each change is an event.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { appendEvent } from '../events/event-log.js';

export interface RefreshHold {
  held: boolean;
  reason?: string;
  by?: string;
  /** ISO time it was set. */
  since?: string;
  /** The snapshot it pins. */
  snapshot?: string;
  /** The desired state of that snapshot: a publish of another one (a new commit) lifts the hold. */
  desiredHash?: string;
}

function refreshHoldPath(stateDir: string): string {
  return join(stateDir, 'refresh-hold.json');
}

/** The current hold; `{ held: false }` when none is recorded. An unreadable file holds (never silently refreshes). */
export async function readRefreshHold(stateDir: string): Promise<RefreshHold> {
  try {
    const v = JSON.parse(await readFile(refreshHoldPath(stateDir), 'utf8')) as RefreshHold;
    return v.held ? { held: true, reason: v.reason, by: v.by, since: v.since, snapshot: v.snapshot, desiredHash: v.desiredHash } : { held: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { held: false };
    return { held: true, reason: `unreadable ${refreshHoldPath(stateDir)}: ${(e as Error).message}` };
  }
}

/** Sets or lifts the hold (temp file + rename) and records a RefreshHeld or RefreshReleased event; a no-op when nothing changes. */
export async function setRefreshHold(stateDir: string, change: { held: boolean; reason?: string; by?: string; snapshot?: string; desiredHash?: string }, options: { logger?: Logger } = {}): Promise<boolean> {
  const before = await readRefreshHold(stateDir);
  if (before.held === change.held && (!change.held || before.snapshot === change.snapshot)) return false;
  await mkdir(stateDir, { recursive: true });
  const path = refreshHoldPath(stateDir);
  if (change.held) {
    const body: RefreshHold = { held: true, reason: change.reason, by: change.by, since: new Date().toISOString(), snapshot: change.snapshot, desiredHash: change.desiredHash };
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body, null, 2) + '\n');
    await rename(tmp, path);
  } else {
    await rm(path, { force: true });
  }
  await appendEvent(
    stateDir,
    change.held
      ? { type: 'RefreshHeld', message: `scheduled refreshes held${change.reason ? `: ${change.reason}` : ''} (\`ferry resume\` releases them)`, by: change.by, snapshot: change.snapshot, reason: change.reason }
      : { type: 'RefreshReleased', message: `scheduled refreshes released${change.reason ? `: ${change.reason}` : ''}`, by: change.by, reason: change.reason },
    options,
  );
  return true;
}
