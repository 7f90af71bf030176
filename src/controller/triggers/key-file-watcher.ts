/**
 * Watches the site signing key file, so that a key replaced in place (a rotation: the operator
 * writes the new key over the old one, or renames a new file over it) re-signs what is served
 * at once, instead of at the next commit, refresh or renewal.
 *
 * One inotify watch on the key's folder (not the file: a rename over it replaces the inode a
 * file watch would follow), events for its name settled for `debounceMs`; then the file's
 * sha256 is compared with the last one seen, and only a different content calls `onChange`
 * (editors and `cp` write in several steps; touching the file changes nothing). A watch can
 * miss what it cannot see (a network filesystem): the content is also compared every
 * `recheckMs`. Which file to watch comes from each run's result (ReconcileResult.siteKeyFile):
 * `watch(path)` moves the watch when the model names another key file.
 */
import { createHash } from 'node:crypto';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../core/logger.js';

export interface KeyFileWatcher {
  /**
   * Watches `path` (the same path again keeps the watch and the content last seen). `before`:
   * the file's content hash taken when the run that names it began (hashOf): a key replaced
   * during that run is then a change, compared at once, rather than the content first seen.
   */
  watch(path: string | undefined, before?: { path: string; hash: string }): Promise<void>;
  /** The file watched, if any. */
  readonly path: string | undefined;
  close(): void;
}

export interface KeyFileWatchOptions {
  onChange: (path: string) => void;
  debounceMs?: number;
  recheckMs?: number;
  logger?: Logger;
}

const contentHash = (path: string): Promise<string> =>
  readFile(path).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    (e: NodeJS.ErrnoException) => `unreadable:${e.code ?? 'error'}`,
  );

/** The content hash watch() compares (for its `before`). */
export const keyFileHash = contentHash;

export function watchKeyFile(options: KeyFileWatchOptions): KeyFileWatcher {
  const debounceMs = options.debounceMs ?? 200;
  let path: string | undefined;
  let seen: string | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;
  // One comparison at a time: a later event waits for the one running, then compares again.
  let comparing: Promise<void> = Promise.resolve();

  const compare = () => {
    comparing = comparing.then(async () => {
      const watched = path;
      if (closed || !watched) return;
      const now = await contentHash(watched);
      if (closed || watched !== path || now === seen) return;
      const before = seen;
      seen = now;
      // A key that is missing or unreadable is the run's to report; an unreadable file that comes back is a change.
      options.logger?.info('controller: the site signing key file changed; re-signing what is served', { file: watched, before: before?.slice(0, 12), after: now.slice(0, 12) });
      options.onChange(watched);
    });
    return comparing;
  };
  const bump = () => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void compare();
    }, debounceMs);
    timer.unref();
  };
  const stop = () => {
    watcher?.close();
    watcher = undefined;
    clearTimeout(timer);
    timer = undefined;
    clearInterval(recheck);
    recheck = undefined;
  };

  return {
    get path() {
      return path;
    },
    async watch(next, before) {
      if (closed || next === path) return;
      stop();
      path = next;
      seen = undefined;
      if (!next) return;
      // (A key that did not exist yet is the run's own first key, generated: no change.)
      const baseline = before?.path === next && !before.hash.startsWith('unreadable:') ? before.hash : undefined;
      seen = baseline ?? (await contentHash(next));
      if (closed || path !== next) return;
      if (baseline !== undefined) void compare();
      const name = basename(next);
      try {
        watcher = fsWatch(dirname(next), { persistent: false }, (_event, changed) => {
          if (!changed || String(changed) === name) bump();
        });
        watcher.on('error', (e) => {
          options.logger?.warn('controller: the site key folder watch failed; comparing the key file periodically instead', { file: next, error: String(e) });
          watcher?.close();
          watcher = undefined;
        });
      } catch (e) {
        options.logger?.warn('controller: cannot watch the site key folder; comparing the key file periodically instead', { file: next, error: String(e) });
      }
      recheck = setInterval(() => void compare(), options.recheckMs ?? 60_000);
      recheck.unref();
    },
    close() {
      closed = true;
      stop();
    },
  };
}
