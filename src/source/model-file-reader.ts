/**
 * Reading a file of the model's folder that is not a model file (a pypi requirements file named
 * by path): from the same place the model was read, the commit's trees (links followed as the
 * model's are) or the folder. Paths are relative to the model root and already normalized
 * (desired/model-files.ts refuses `..` and absolute ones); a link whose target leaves the
 * repository (a commit) or the model folder (a directory) is refused, so a model never reads
 * the host's files through one.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import type { ModelFiles } from '../model/types.js';
import { modelDirOf } from './model-dir.js';

/** The largest model file a spec may name (requirements files are a few KiB). */
export const MAX_MODEL_FILE_BYTES = 1 << 20;

export interface ModelFileReader {
  /** The file's bytes, or undefined when there is none. Throws FerryError for a folder, a link out, or a file too large. */
  read(path: string): Promise<Uint8Array | undefined>;
}

const readers = new WeakMap<ModelFiles, ModelFileReader>();

/** Records where `files` came from (model-source.ts does for a commit and a folder). */
export function attachModelFileReader(files: ModelFiles, reader: ModelFileReader): ModelFiles {
  readers.set(files, reader);
  return files;
}

/** The reader of the place `files` came from; for model files made in memory, the files themselves. */
export function modelFileReaderOf(files: ModelFiles): ModelFileReader {
  const known = readers.get(files);
  if (known) return known;
  const dir = modelDirOf(files);
  if (dir) return dirFileReader(dir);
  return { read: async (path) => (files.has(path) ? new TextEncoder().encode(files.get(path)) : undefined) };
}

function tooLarge(path: string, size: number): FerryError {
  return new FerryError('FERRY_INVALID_MODEL', `${path} is ${size} bytes, more than the ${MAX_MODEL_FILE_BYTES} a model file named by a mirror may have`, { file: path, expected: MAX_MODEL_FILE_BYTES, actual: size });
}

/** Checks a file read from a commit against the size limit. */
export function boundedModelFile(path: string, bytes: Uint8Array | undefined): Uint8Array | undefined {
  if (bytes && bytes.length > MAX_MODEL_FILE_BYTES) throw tooLarge(path, bytes.length);
  return bytes;
}

/** Files under `dir`; a link out of `dir` is refused. */
export function dirFileReader(dir: string): ModelFileReader {
  return {
    async read(path) {
      let root: string;
      let real: string;
      try {
        root = await realpath(dir);
        real = await realpath(join(dir, path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw new FerryError('FERRY_USAGE', `cannot read model file ${join(dir, path)}: ${(e as Error).message}`, { file: path }, e);
      }
      if (real !== root && !real.startsWith(root + sep)) {
        throw new FerryError('FERRY_INVALID_MODEL', `${path} leads outside the model folder (to ${real}) through a symbolic link; refused`, { file: path, target: real });
      }
      const st = await stat(real);
      if (!st.isFile()) throw new FerryError('FERRY_INVALID_MODEL', `${path} is not a file`, { file: path });
      if (st.size > MAX_MODEL_FILE_BYTES) throw tooLarge(path, st.size);
      return readFile(real);
    },
  };
}
