/**
 * Where the controller's revisions come from. A git source fetches the tracked branch into the
 * persistent clone and reads the model at a commit without a checkout; a directory source (an
 * engineer's checkout, watched) names each state of the folder by the sha256 of its files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex, canonicalJson } from '../core/hash.js';
import { redactUrl } from '../core/redact.js';
import type { ModelFiles } from '../model/types.js';
import { fetchBranch } from './git/fetch-branch.js';
import type { GitAuth } from './git/git-auth.js';
import type { Fetcher } from '../transport/types.js';
import { readModelAtCommit, readModelDir } from './model-source.js';

/** A tracked branch of a git repository; the model is read from `path` inside it. */
export interface GitSourceConfig {
  kind: 'git';
  url: string;
  branch: string;
  path?: string;
  /** The persistent bare clone. */
  cloneDir: string;
}

export interface RevisionSource {
  /** Where the tracked branch (or folder) is now. */
  head(options: { signal: AbortSignal }): Promise<string>;
  /** The model files at a revision head() returned. */
  model(revision: string, options: { signal: AbortSignal }): Promise<ModelFiles>;
  /**
   * Directory sources: files besides the model's YAML that the desired state reads (a pypi
   * requirements file, relative to the folder), counted in the revision from now on, so that a
   * change to one alone is a new revision. A git commit names every file already.
   */
  followFiles?(paths: readonly string[]): void;
  /** The bare clone (git sources): for signature checks. */
  gitdir?: string;
  /** For /status: nothing secret. */
  describe: Record<string, unknown>;
}

/** `fetcher`: the transport the git requests go through (default: one per fetch, git-http.ts). */
export function gitRevisionSource(source: GitSourceConfig, options: { auth?: GitAuth; onBytes?: (n: number) => void; fetcher?: Fetcher }): RevisionSource {
  return {
    gitdir: source.cloneDir,
    describe: { kind: 'git', url: redactUrl(source.url), branch: source.branch, path: source.path, clone: source.cloneDir },
    async head({ signal }) {
      const { commit } = await fetchBranch({ gitdir: source.cloneDir, url: source.url, ref: source.branch, auth: options.auth, signal, onBytes: options.onBytes, fetcher: options.fetcher });
      return commit;
    },
    async model(revision) {
      const { files } = await readModelAtCommit({ dir: source.cloneDir, gitdir: source.cloneDir, ref: revision, subdir: source.path });
      return files;
    },
  };
}

export function dirRevisionSource(dir: string): RevisionSource {
  const seen = new Map<string, ModelFiles>();
  let followed: readonly string[] = [];
  return {
    describe: { kind: 'dir', dir },
    followFiles(paths) {
      followed = [...new Set(paths)].sort();
    },
    async head() {
      const files = await readModelDir(dir);
      // A followed file that is missing or unreadable counts as such: the run says why.
      const extra = await Promise.all(
        followed.map(async (p) => [p, await readFile(join(dir, p)).then((b) => sha256Hex(b), (e: NodeJS.ErrnoException) => `unreadable:${e.code ?? 'error'}`)] as const),
      );
      const revision = sha256Hex(canonicalJson(extra.length ? [[...files.entries()], extra] : [...files.entries()]));
      seen.clear();
      seen.set(revision, files);
      return revision;
    },
    async model(revision) {
      return seen.get(revision) ?? readModelDir(dir);
    },
  };
}
