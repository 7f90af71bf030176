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

const isModelFile = (name: string) => name.endsWith('.yml') || name.endsWith('.yaml');

/** Every `*.yml`/`*.yaml` under `dir`, keyed by `/`-separated relative path. */
export async function readModelDir(dir: string): Promise<ModelFiles> {
  const files = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if (rel === '') throw new FerryError('FERRY_USAGE', `cannot read model directory ${dir}: ${(e as Error).message}`, { file: dir }, e);
      throw e;
    }
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.name.startsWith('.')) return;
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) return walk(path);
        if ((entry.isFile() || entry.isSymbolicLink()) && isModelFile(entry.name)) {
          files.set(path, await fsp.readFile(join(dir, path), 'utf8'));
        }
      }),
    );
  }
  await walk('');
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
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
  const prefix = options.subdir ? options.subdir.replace(/\/+$/, '') + '/' : '';
  const files = new Map<string, string>();
  const decoder = new TextDecoder();
  async function walkTree(oid: string, rel: string): Promise<void> {
    const { tree } = await git.readTree({ fs, dir: options.dir, gitdir, oid });
    await Promise.all(
      tree.map(async (entry) => {
        const path = rel ? `${rel}/${entry.path}` : entry.path;
        if (entry.type === 'tree') {
          if (!entry.path.startsWith('.')) await walkTree(entry.oid, path);
          return;
        }
        if (entry.type !== 'blob' || !isModelFile(entry.path)) return;
        if (prefix && !path.startsWith(prefix)) return;
        const { blob } = await git.readBlob({ fs, dir: options.dir, gitdir, oid: entry.oid });
        files.set(path.slice(prefix.length), decoder.decode(blob));
      }),
    );
  }
  const { commit: c } = await git.readCommit({ fs, dir: options.dir, gitdir, oid: commit });
  await walkTree(c.tree, '');
  return { commit, files: new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) };
}
