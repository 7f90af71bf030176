/**
 * Whether a folder is a Ferry state directory (docs/ARCHITECTURE.md "Store, snapshots, rollback"): one that
 * `ferry apply` or `ferry run` initialised, with its `objects/` and `snapshots/` folders. Verbs
 * that only read or signal (suspend, resume, fsck, gc, history, events, rollback, serve, status)
 * check it first, so a mistyped or defaulted `--state` is an error and never a new, empty state
 * that reports success while the real controller runs on elsewhere (issue 10).
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FerryError } from '../core/ferry-error.js';

const LAYOUT = ['objects', 'snapshots'] as const;

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** True when `dir` holds the layout StateStore.open creates. */
export async function isStateDir(dir: string): Promise<boolean> {
  const found = await Promise.all(LAYOUT.map((d) => isDirectory(join(dir, d))));
  return found.every(Boolean);
}

/**
 * The absolute path of `dir` when it is a Ferry state directory, else FERRY_USAGE saying what
 * was looked at, where that path came from (`source`: `--state`, FERRY_STATE, a ferry.yaml, the
 * default) and how to get a state.
 */
export async function requireStateDir(dir: string, options: { source?: string } = {}): Promise<string> {
  const abs = resolve(dir);
  if (await isStateDir(abs)) return abs;
  const what = (await isDirectory(abs)) ? 'is not a Ferry state directory (no objects/ and snapshots/ in it)' : 'does not exist';
  const from = options.source ? ` (from ${options.source})` : '';
  throw new FerryError(
    'FERRY_USAGE',
    `${abs}${from} ${what}: name the site's state with --state DIR, FERRY_STATE or stateDir in its ferry.yaml (FERRY_CONFIG, default /etc/ferry/ferry.yaml); only \`ferry apply\` and \`ferry run\` create a new one`,
    { path: abs, actual: options.source },
  );
}
