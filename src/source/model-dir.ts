/**
 * A model directory as ModelFiles whose texts are read when first asked for. Listing the
 * files is one walk of the folders; rendering one node then reads only the files of its
 * classes (about 100 of an MCP model's 2,000+), which is most of what `ferry render --nodeinfo`
 * costs otherwise. Every text is read at most once; iterating reads them all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import type { ModelFiles } from '../model/types.js';
import { walkModelDir } from './model-walk.js';


class LazyModelDir implements ReadonlyMap<string, string> {
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly dir: string,
    /** Relative `/`-separated paths, sorted. */
    private readonly paths: ReadonlySet<string>,
  ) {}

  get folder(): string {
    return this.dir;
  }

  get size(): number {
    return this.paths.size;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  get(path: string): string | undefined {
    const hit = this.texts.get(path);
    if (hit !== undefined || !this.paths.has(path)) return hit;
    let text: string;
    try {
      text = readFileSync(join(this.dir, path), 'utf8');
    } catch (e) {
      throw new FerryError('FERRY_USAGE', `cannot read model file ${join(this.dir, path)}: ${(e as Error).message}`, { file: path }, e);
    }
    this.texts.set(path, text);
    return text;
  }

  keys(): MapIterator<string> {
    return this.paths.keys();
  }

  *entries(): MapIterator<[string, string]> {
    for (const p of this.paths) yield [p, this.get(p) as string];
  }

  *values(): MapIterator<string> {
    for (const p of this.paths) yield this.get(p) as string;
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  forEach(fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const p of this.paths) fn(this.get(p) as string, p, this);
  }
}

/**
 * Lists every model file under `dir` (model-walk.ts: hidden folders skipped, symlinked folders
 * followed with a loop guard); texts are read on demand.
 */
export function openModelDir(dir: string): ModelFiles {
  return new LazyModelDir(dir, new Set(walkModelDir(dir)));
}

/** The folder behind ModelFiles that openModelDir made (a worker can open it again), if any. */
export function modelDirOf(files: ModelFiles): string | undefined {
  return files instanceof LazyModelDir ? files.folder : undefined;
}
