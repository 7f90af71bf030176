/**
 * For an engineer's machine: watches a local model checkout with chokidar and triggers a run
 * once changes settle (`debounceMs` after the last one). Only YAML files count; `.git` and
 * other hidden folders are ignored.
 */
import { watch } from 'chokidar';
import type { Logger } from '../../core/logger.js';

export interface ModelWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchModelDir(options: { dir: string; debounceMs: number; onChange(paths: string[]): void; logger?: Logger }): ModelWatcher {
  const watcher = watch(options.dir, {
    ignoreInitial: true,
    ignored: (path, stats) => /(^|[/\\])\.[^/\\]/.test(path.slice(options.dir.length)) || (!!stats?.isFile() && !/\.ya?ml$/.test(path)),
  });
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  const bump = (path: string) => {
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const paths = [...changed].sort();
      changed = new Set();
      options.onChange(paths);
    }, options.debounceMs);
  };
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(event, bump);
  watcher.on('error', (e) => options.logger?.warn('model watch error', { error: String(e) }));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
