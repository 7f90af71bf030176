/**
 * Watches the state folder for the files other processes change under a running controller:
 * `suspended.json` (ferry suspend/resume/rollback), `refresh-hold.json` (ferry resume, a
 * revert) and the `current` symlink (ferry rollback, a manual apply). One inotify watch on
 * the folder itself (node:fs watch, not recursive: the blob and snapshot trees below it are
 * never walked), changes settled for `debounceMs`, then `onChange`.
 *
 * A watch can miss what it cannot see (a network filesystem, a full inotify table): `onChange`
 * also runs every `recheckMs` as a safety net, and every `fallbackPollMs` when the watch
 * cannot be set up at all (logged). Idle, the controller then wakes up once per `recheckMs`
 * instead of twice a second.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../../core/logger.js';

const WATCHED_STATE_FILES = ['suspended.json', 'refresh-hold.json', 'current'] as const;

export interface StateWatcher {
  /** Whether changes arrive through the watch (false: polling every fallbackPollMs). */
  readonly watching: boolean;
  close(): void;
}

export interface StateWatchOptions {
  stateDir: string;
  onChange: () => void;
  debounceMs?: number;
  recheckMs?: number;
  fallbackPollMs?: number;
  logger?: Logger;
}

export function watchStateDir(options: StateWatchOptions): StateWatcher {
  const { stateDir, onChange, logger } = options;
  const debounceMs = options.debounceMs ?? 50;
  const names = new Set<string>(WATCHED_STATE_FILES);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    timer = undefined;
    if (!closed) onChange();
  };
  const bump = () => {
    if (timer || closed) return;
    timer = setTimeout(fire, debounceMs);
    timer.unref();
  };
  let watcher: FSWatcher | undefined;
  let safety: NodeJS.Timeout;
  const poll = (ms: number) => {
    clearInterval(safety);
    safety = setInterval(() => !closed && onChange(), ms);
    safety.unref();
  };
  try {
    watcher = watch(stateDir, { persistent: false }, (_event, name) => {
      // A rename over a watched name reports that name; without a name, look anyway.
      if (!name || names.has(String(name))) bump();
    });
    watcher.on('error', (e) => {
      logger?.warn('controller: state folder watch failed; polling it instead', { stateDir, error: String(e) });
      watcher?.close();
      watcher = undefined;
      poll(options.fallbackPollMs ?? 500);
    });
    poll(options.recheckMs ?? 30_000);
  } catch (e) {
    logger?.warn('controller: cannot watch the state folder; polling it instead', { stateDir, error: String(e) });
    poll(options.fallbackPollMs ?? 500);
  }
  return {
    get watching() {
      return watcher !== undefined;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(safety);
      watcher?.close();
    },
  };
}
