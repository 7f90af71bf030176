/**
 * Suspension of automatic reconciliation, kept in `<state>/suspended.json` so that it holds
 * whether or not a controller is running (`ferry rollback` and `ferry suspend` write it, a
 * running `ferry run` reads it before every run and shows it in /status). Each change is
 * recorded as a Suspended or Resumed event.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { appendEvent } from './events/event-log.js';

export interface Suspension {
  suspended: boolean;
  reason?: string;
  by?: string;
  /** ISO time the suspension was set. */
  since?: string;
}

function suspensionPath(stateDir: string): string {
  return join(stateDir, 'suspended.json');
}

/** The current suspension; `{ suspended: false }` when none is recorded. */
export async function readSuspension(stateDir: string): Promise<Suspension> {
  try {
    const parsed = JSON.parse(await readFile(suspensionPath(stateDir), 'utf8')) as Suspension;
    return parsed.suspended ? { suspended: true, reason: parsed.reason, by: parsed.by, since: parsed.since } : { suspended: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { suspended: false };
    // A torn or unreadable file must not silently re-enable automatic changes.
    return { suspended: true, reason: `unreadable ${suspensionPath(stateDir)}: ${(e as Error).message}` };
  }
}

/** Suspends or resumes (atomically: temp file + rename) and records the event. */
export async function setSuspended(
  stateDir: string,
  change: { suspended: boolean; reason?: string; by?: string },
  options: { logger?: Logger } = {},
): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = suspensionPath(stateDir);
  if (change.suspended) {
    const body: Suspension = { suspended: true, reason: change.reason, by: change.by, since: new Date().toISOString() };
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body, null, 2) + '\n');
    await rename(tmp, path);
  } else {
    await rm(path, { force: true });
  }
  await appendEvent(
    stateDir,
    {
      type: change.suspended ? 'Suspended' : 'Resumed',
      message: change.suspended ? `automatic reconciliation suspended${change.reason ? `: ${change.reason}` : ''}` : 'automatic reconciliation resumed',
      by: change.by,
      reason: change.reason,
    },
    options,
  );
}
