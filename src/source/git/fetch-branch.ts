/**
 * Keeps a persistent bare clone up to date: fetches one ref of the remote into `gitdir` and
 * records it as the local branch `localRef`, whose head is offered as a "have" next time so that
 * each fetch brings only the new objects. Reads nothing from the payload of a webhook: the
 * commit returned is what the server says the ref points at now.
 */
import * as fs from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import { gitAuthHeaders, type GitAuth } from './git-auth.js';
import { createGitHttp } from './git-http.js';
import { createHttpFetcher } from '../../transport/http-fetcher.js';
import type { Fetcher } from '../../transport/types.js';
import { lockClone } from './clone-lock.js';

export interface FetchBranchOptions {
  /** The bare repository; created on first use. */
  gitdir: string;
  url: string;
  /** Remote ref: a branch name (`main`), or a full ref (`refs/changes/34/1234/2`). */
  ref: string;
  /** Local branch that keeps the fetched head (default `ferry-tracked`). */
  localRef?: string;
  auth?: GitAuth;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
  /**
   * The transport the git requests go through (proxies, redirects, retries, credentials, request
   * counts): the caller's, or one made for this fetch and closed after it.
   */
  fetcher?: Fetcher;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Fetches `ref` and returns the commit it points at on the server. Throws FERRY_GIT. */
export async function fetchBranch(options: FetchBranchOptions): Promise<{ commit: string }> {
  const { gitdir, url } = options;
  const localRef = options.localRef ?? 'ferry-tracked';
  options.signal?.throwIfAborted();
  await mkdir(gitdir, { recursive: true });
  const release = await lockClone(join(gitdir, 'ferry.lock'));
  const own = options.fetcher ? undefined : createHttpFetcher({ perHost: 4 });
  const fetcher = options.fetcher ?? own!;
  try {
    if (!(await exists(join(gitdir, 'HEAD')))) await git.init({ fs, gitdir, bare: true, defaultBranch: localRef });
    if (!(await git.getConfig({ fs, gitdir, path: 'remote.origin.fetch' }))) {
      // Every remote ref maps somewhere, so branches and refs/changes/* alike can be fetched.
      await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: redactUrl(url) });
      await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/remotes/origin/*' });
    }
    const result = await git.fetch({
      fs,
      http: createGitHttp({ fetcher, signal: options.signal, onBytes: options.onBytes }),
      gitdir,
      url,
      ref: localRef,
      remoteRef: options.ref,
      singleBranch: true,
      tags: false,
      headers: gitAuthHeaders(options.auth),
    });
    if (!result.fetchHead) {
      throw new FerryError('FERRY_GIT', `${redactUrl(url)} has no ref ${options.ref}`, { url: redactUrl(url), expected: options.ref });
    }
    await git.writeRef({ fs, gitdir, ref: `refs/heads/${localRef}`, value: result.fetchHead, force: true });
    return { commit: result.fetchHead };
  } catch (e) {
    if (e instanceof FerryError && (e.code === 'FERRY_GIT' || e.code === 'FERRY_ABORTED')) throw e;
    if (options.signal?.aborted) throw new FerryError('FERRY_ABORTED', `git fetch of ${redactUrl(url)} aborted`, { url: redactUrl(url) }, e);
    // A transport error (an HTTP status, the network) is the fetch's failure like isomorphic-git's own.
    const message = e instanceof Error ? e.message : String(e);
    // isomorphic-git messages may quote the URL; never let credentials through.
    throw new FerryError('FERRY_GIT', `git fetch of ${redactUrl(url)} ${options.ref} failed: ${message.replaceAll(url, redactUrl(url))}`, {
      url: redactUrl(url),
      ref: options.ref,
    });
  } finally {
    await own?.close().catch(() => undefined);
    await release();
  }
}
