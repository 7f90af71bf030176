/**
 * The controller's event log: one JSON line per event in `<state>/events.jsonl`, mirrored to the
 * JSON logs. `ferry events` reads it. Events are facts a person wants to see in order: a new
 * revision was seen, a model was invalid, an apply succeeded or failed, a rollback happened,
 * reconciliation was suspended or resumed. Messages never hold secrets (URLs are redacted
 * before they get here).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
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

const WARNING_TYPES = new Set<EventType>(['ValidationFailed', 'ApplyFailed', 'FetchFailed', 'UntrustedCommit']);

/** Appends one event (a single write with O_APPEND, so concurrent writers do not interleave). */
export async function appendEvent(
  stateDir: string,
  event: ControllerEventInput,
  options: { logger?: Logger } = {},
): Promise<ControllerEvent> {
  const full: ControllerEvent = { ...event, time: event.time ?? new Date().toISOString() };
  await mkdir(stateDir, { recursive: true });
  await appendFile(eventLogPath(stateDir), JSON.stringify(full) + '\n', { encoding: 'utf8', mode: 0o644 });
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

/** The recorded events, oldest first. A torn last line (a crash mid-write) is skipped. */
export async function readEvents(stateDir: string, options: ReadEventsOptions = {}): Promise<ControllerEvent[]> {
  let text: string;
  try {
    text = await readFile(eventLogPath(stateDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
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
