/**
 * The desired state `ferry apply` last computed in its render worker (isolated-desired.ts), kept
 * in the state directory (`cache/desired-memo.v8`) with everything it was computed from, so that
 * an apply of an unchanged model (a no-op `apply --refresh`, a CI job run again) skips the worker:
 * its start and module loading are most of a small apply's time.
 *
 * It stands in for the worker only when all of these are equal (loadDesired is a pure function
 * of them):
 * - the code: the build id the bundle writes beside itself (scripts/build-bundle.ts: a digest of
 *   every output file, the standalone validator, the schemas and the lockfile); running from the
 *   sources (tsx, jest) there is none, and the memo is neither read nor written;
 * - the `--node` option;
 * - the model's path list (a file added or removed changes class lookup and the default node);
 * - the sha256 of every model file the render read (the worker records them).
 * Only a successful render is kept, so a model that failed (a bomb included) is rendered, and
 * fails, every time. A missing, unreadable or foreign memo is a miss, never an error.
 *
 * A desired state that carries credentials (a URL with a user or password anywhere in it: an
 * upstream with Basic auth written in the model) is never kept, and a memo already there is
 * removed: the state folder holds no secret of the model (the torture suite's `secrets` trials
 * search it), so such a model is rendered on every apply.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { sha256Hex } from '../core/hash.js';
import type { DesiredState } from '../core/resource.js';
import type { ModelFiles } from '../model/types.js';

/** Model paths the render read, each with the sha256 of its text. */
export type ModelReads = Array<[path: string, sha256: string]>;

export interface DesiredMemo {
  format: 1;
  build: string;
  node: string | null;
  /** sha256 of the sorted model paths. */
  paths: string;
  reads: ModelReads;
  desired: DesiredState;
}

export function memoPath(stateDir: string): string {
  return join(stateDir, 'cache', 'desired-memo.v8');
}

/**
 * The build id of the running bundle (dist/cli/build-id, beside its chunks), or undefined when
 * running from the sources or a build without one.
 */
export function bundleBuildId(moduleUrl = import.meta.url): string | undefined {
  if (!moduleUrl.startsWith('file:') || moduleUrl.endsWith('.ts')) return undefined;
  try {
    const id = readFileSync(new URL('./build-id', moduleUrl), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export function pathsDigest(files: ModelFiles): string {
  return sha256Hex([...files.keys()].sort().join('\n'));
}

/**
 * `files` as seen by a render that records what it reads: `reads()` lists each path whose text
 * it got (iterating reads every file), with the text's sha256.
 */
export function recordingFiles(files: ModelFiles): { files: ModelFiles; reads: () => ModelReads } {
  const read = new Map<string, string>();
  const get = (path: string): string | undefined => {
    const text = files.get(path);
    if (text !== undefined) read.set(path, text);
    return text;
  };
  function* entries(): MapIterator<[string, string]> {
    for (const path of files.keys()) yield [path, get(path) as string];
  }
  const recording: ModelFiles = {
    get size() {
      return files.size;
    },
    has: (path) => files.has(path),
    get,
    keys: () => files.keys(),
    entries,
    values: function* (): MapIterator<string> {
      for (const [, text] of entries()) yield text;
    },
    [Symbol.iterator]: entries,
    forEach(fn) {
      for (const [path, text] of entries()) fn(text, path, recording);
    },
  };
  return { files: recording, reads: () => [...read].map(([path, text]) => [path, sha256Hex(text)]) };
}

/** The memo's desired state when it was computed from exactly this code, node and model. */
export function memoHit(memo: DesiredMemo | undefined, files: ModelFiles, key: { build: string; node?: string }): DesiredState | undefined {
  if (!memo || memo.format !== 1 || memo.build !== key.build || memo.node !== (key.node ?? null)) return undefined;
  if (memo.paths !== pathsDigest(files)) return undefined;
  for (const [path, digest] of memo.reads) {
    const text = files.get(path);
    if (text === undefined || sha256Hex(text) !== digest) return undefined;
  }
  return memo.desired;
}

export async function readMemo(stateDir: string): Promise<DesiredMemo | undefined> {
  try {
    const memo = deserialize(await readFile(memoPath(stateDir))) as DesiredMemo;
    return memo && typeof memo === 'object' && Array.isArray(memo.reads) ? memo : undefined;
  } catch {
    return undefined;
  }
}

const URL_WITH_USERINFO = /[a-z][a-z0-9+.-]*:\/\/[^/?#\s@]+@/i;

/** Whether any string in `value` holds a URL with user info (`https://user:pass@host/`). */
export function carriesCredentials(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return URL_WITH_USERINFO.test(value);
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some((v) => carriesCredentials(v, depth + 1));
  return Object.entries(value as Record<string, unknown>).some(([k, v]) => URL_WITH_USERINFO.test(k) || carriesCredentials(v, depth + 1));
}

/**
 * Replaces the memo (temp file and rename: a reader sees the old one or the new one). Best
 * effort: a cache. A desired state with credentials in it removes the memo instead.
 */
export async function writeMemo(stateDir: string, memo: DesiredMemo): Promise<void> {
  const path = memoPath(stateDir);
  if (carriesCredentials(memo.desired)) {
    await unlink(path).catch(() => undefined);
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, serialize(memo));
    await rename(tmp, path);
  } catch {
    await unlink(tmp).catch(() => undefined);
  }
}
