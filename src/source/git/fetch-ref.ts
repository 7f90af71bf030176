/**
 * `ferry plan --repo URL --ref REF`: fetches one ref (a branch, or a Gerrit patchset ref such as
 * `refs/changes/34/1234/2`) into a cache of bare clones, one per repository URL, and reads the
 * model at that commit without a checkout.
 */
import { join } from 'node:path';
import { sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import type { ModelFiles } from '../../model/types.js';
import { readModelAtCommit } from '../model-source.js';
import type { GitAuth } from './git-auth.js';
import { fetchBranch } from './fetch-branch.js';

export interface FetchModelAtRefOptions {
  url: string;
  ref: string;
  /** Folder for the cached clones (e.g. `<state>/git-cache`). */
  cacheDir: string;
  auth?: GitAuth;
  /** Folder of the inventory inside the repository, if not its root. */
  modelPath?: string;
  signal?: AbortSignal;
}

/** The bare clone used for a repository URL (credentials do not take part in the name). */
function cloneDirFor(cacheDir: string, url: string): string {
  return join(cacheDir, `${sha256Hex(redactUrl(url)).slice(0, 16)}.git`);
}

export async function fetchModelAtRef(options: FetchModelAtRefOptions): Promise<{ commit: string; files: ModelFiles }> {
  const gitdir = cloneDirFor(options.cacheDir, options.url);
  const { commit } = await fetchBranch({ gitdir, url: options.url, ref: options.ref, localRef: 'ferry-plan', auth: options.auth, signal: options.signal });
  const { files } = await readModelAtCommit({ dir: gitdir, gitdir, ref: commit, subdir: options.modelPath });
  return { commit, files };
}
