/**
 * Reads a model inventory into memory for the pure renderer: from a directory (an engineer's
 * checkout) or from a commit of a Git repository without checking it out (isomorphic-git).
 * Only YAML files and reclass-config.yml are read; hidden folders (.git) are skipped.
 * isomorphic-git is loaded only to read a commit: a plain directory needs no git.
 */
import { promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/ferry-error.js';
import type { ModelFiles } from '../model/types.js';

import { attachModelFileReader, boundedModelFile, dirFileReader } from './model-file-reader.js';
import { isModelFile, walkModelDir } from './model-walk.js';
import { readCommitFile, readCommitTree } from './model-tree.js';

/** Every `*.yml`/`*.yaml` under `dir` (symlinked folders followed: model-walk.ts), keyed by `/`-separated relative path. */
export async function readModelDir(dir: string): Promise<ModelFiles> {
  const paths = walkModelDir(dir);
  const texts = await Promise.all(paths.map((p) => fsp.readFile(join(dir, p), 'utf8')));
  return attachModelFileReader(new Map(paths.map((p, i) => [p, texts[i]])), dirFileReader(dir));
}

export interface ReadAtCommitOptions {
  /** A work tree (with .git inside) or, with `gitdir`, any folder. */
  dir: string;
  gitdir?: string;
  /** Branch, tag, `HEAD` or a full commit id. */
  ref: string;
  /** Folder of the inventory inside the repository ('' for the root). */
  subdir?: string;
}

/** The model files of one commit, read from the object database: no checkout, no work tree. */
export async function readModelAtCommit(options: ReadAtCommitOptions): Promise<{ commit: string; files: ModelFiles }> {
  const { default: git } = await import('isomorphic-git');
  const gitdir = options.gitdir ?? join(options.dir, '.git');
  let commit: string;
  try {
    commit = /^[0-9a-f]{40}$/.test(options.ref)
      ? options.ref
      : await git.resolveRef({ fs, dir: options.dir, gitdir, ref: options.ref });
    commit = (await git.readCommit({ fs, dir: options.dir, gitdir, oid: commit })).oid;
  } catch (e) {
    throw new FerryError('FERRY_GIT', `cannot resolve ${options.ref} in ${gitdir}: ${(e as Error).message}`, { ref: options.ref }, e);
  }
  const { commit: c } = await git.readCommit({ fs, dir: options.dir, gitdir, oid: commit });
  const trees = {
    rootTree: c.tree,
    subdir: options.subdir,
    isModelFile,
    readTree: async (oid: string) => (await git.readTree({ fs, dir: options.dir, gitdir, oid })).tree,
    readBlob: async (oid: string) => (await git.readBlob({ fs, dir: options.dir, gitdir, oid })).blob,
  };
  const files = await readCommitTree(trees);
  // Other files of the commit (a requirements file a mirror names) are read from the same trees.
  return { commit, files: attachModelFileReader(files, { read: async (path) => boundedModelFile(path, await readCommitFile(trees, path)) }) };
}
