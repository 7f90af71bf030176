/**
 * The controller's event log: one JSON line per event in `<state>/events.jsonl`, mirrored to the
 * JSON logs. `ferry events` reads it. Events are facts a person wants to see in order: a new
 * revision was seen, a model was invalid, an apply succeeded or failed, a rollback happened,
 * reconciliation was suspended or resumed, a scheduled refresh published what upstream changed,
 * Release files were signed again (renewed before Valid-Until, or a new site key),
 * a mirror failed (its last good content kept) or recovered, refreshes were held after a revert
 * or released. Messages never hold secrets (URLs are redacted
 * before they get here).
 */
import { appendFile, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';

export const EVENT_TYPES = [
  'NewRevision',
  'ValidationFailed',
  'ApplySucceeded',
  'ApplyFailed',
  'RolledBack',
  'Suspended',
  'Resumed',
  'FetchFailed',
  'UntrustedCommit',
  'Refreshed',
  'Resigned',
  'MirrorFailed',
  'MirrorRecovered',
  'RefreshHeld',
  'RefreshReleased',
  'Cancelled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ControllerEventInput {
  /** Defaults to now. */
  time?: string;
  type: EventType;
  message: string;
  revision?: string;
  snapshot?: string;
  /** What caused it: a trigger (`webhook:gerrit`, `poll`), a command (`ferry rollback`). */
  by?: string;
  errors?: Array<{ code: string; message: string; data?: Record<string, unknown> }>;
  [key: string]: unknown;
}

export type ControllerEvent = ControllerEventInput & { time: string };

export function eventLogPath(stateDir: string): string {
  return join(stateDir, 'events.jsonl');
}

/** Past this size the log is rotated to `events.1.jsonl` (one generation kept). */
const EVENT_LOG_MAX_BYTES = 8 * 1024 * 1024;

const WARNING_TYPES = new Set<EventType>(['ValidationFailed', 'ApplyFailed', 'FetchFailed', 'UntrustedCommit', 'MirrorFailed']);

async function lastByte(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return undefined;
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0];
  } finally {
    await handle.close();
  }
}

/** Appends one event (a single write with O_APPEND, so concurrent writers do not interleave). */
export async function appendEvent(
  stateDir: string,
  event: ControllerEventInput,
  options: { logger?: Logger } = {},
): Promise<ControllerEvent> {
  const full: ControllerEvent = { ...event, time: event.time ?? new Date().toISOString() };
  await mkdir(stateDir, { recursive: true });
  const path = eventLogPath(stateDir);
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size > EVENT_LOG_MAX_BYTES) await rename(path, join(stateDir, 'events.1.jsonl')).catch(() => undefined);
  // A line torn by a crash must not swallow this one: start on a fresh line.
  const torn = size > 0 && size <= EVENT_LOG_MAX_BYTES && (await lastByte(path)) !== 0x0a;
  await appendFile(path, (torn ? '\n' : '') + JSON.stringify(full) + '\n', { encoding: 'utf8', mode: 0o644 });
  if (WARNING_TYPES.has(full.type)) options.logger?.warn(`event ${full.type}: ${full.message}`, { event: full });
  else options.logger?.info(`event ${full.type}: ${full.message}`, { event: full });
  return full;
}

export interface ReadEventsOptions {
  /** Only the last `limit` events (after filtering). */
  limit?: number;
  types?: EventType[];
  /** ISO time: only events at or after it. */
  since?: string;
}

/** The recorded events (the rotated generation first), oldest first. A torn line (a crash mid-write) is skipped. */
export async function readEvents(stateDir: string, options: ReadEventsOptions = {}): Promise<ControllerEvent[]> {
  const read = (path: string) =>
    readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
  const text = (await read(join(stateDir, 'events.1.jsonl'))) + (await read(eventLogPath(stateDir)));
  const out: ControllerEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event: ControllerEvent;
    try {
      event = JSON.parse(line) as ControllerEvent;
    } catch {
      continue;
    }
    if (options.types && !options.types.includes(event.type)) continue;
    if (options.since && event.time < options.since) continue;
    out.push(event);
  }
  return options.limit !== undefined ? out.slice(Math.max(0, out.length - options.limit)) : out;
}
