/**
 * For an engineer's machine: watches a local model checkout with chokidar and triggers a run
 * once changes settle (`debounceMs` after the last one). Only YAML files count, and the files
 * `followed()` names (relative paths: the other model files the desired state reads, a pypi
 * requirements file); `.git` and other hidden folders are ignored.
 */
import { relative, sep } from 'node:path';
import { watch } from 'chokidar';
import type { Logger } from '../../core/logger.js';

export interface ModelWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchModelDir(options: { dir: string; debounceMs: number; onChange(paths: string[]): void; followed?: () => ReadonlySet<string>; logger?: Logger }): ModelWatcher {
  const followed = (path: string) => {
    const rel = relative(options.dir, path).split(sep).join('/');
    return options.followed?.().has(rel) ?? false;
  };
  const watcher = watch(options.dir, {
    ignoreInitial: true,
    // Other files are left out when found (stats given), so a file followed later is seen once it is written again.
    ignored: (path, stats) => /(^|[/\\])\.[^/\\]/.test(path.slice(options.dir.length)) || (!!stats?.isFile() && !/\.ya?ml$/.test(path) && !followed(path)),
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
