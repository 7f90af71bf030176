/**
 * The driver's cache of upstream repositories: one bare repository per upstream URL under
 * `<state>/cache/git/<hash of the URL without credentials>`, kept between runs so that a
 * refresh asks the server only for objects it does not hold yet (the refs already fetched are
 * sent as "haves"). Credentials never reach the disk: the URL is passed per call, not stored
 * in the repository's config.
 */
import * as fs from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import git, { type HttpClient } from 'isomorphic-git';
import { sha256Hex } from '../../core/hash.js';
import type { AdvertisedRef } from './select-refs.js';

/** Where the cache of `url` lives; the same URL with other credentials shares it. */
export function cacheDirFor(stateDir: string, url: string): string {
  let key = url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    key = u.toString();
  } catch {
    // parseGitSpec rejects URLs that do not parse; keep the string as it is.
  }
  return join(stateDir, 'cache', 'git', sha256Hex(key).slice(0, 32));
}

const held = new Map<string, Promise<unknown>>();

/** Runs `fn` with the cache folder to itself within this process (two mirrors may share a URL). */
export async function withCache<T>(gitdir: string, fn: () => Promise<T>): Promise<T> {
  const before = held.get(gitdir) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.catch(() => undefined);
  held.set(gitdir, settled);
  try {
    return await run;
  } finally {
    if (held.get(gitdir) === settled) held.delete(gitdir);
  }
}

/** The refs the server advertises (protocol v1), HEAD with its target. */
export async function listRemoteRefs(options: { url: string; http: HttpClient }): Promise<AdvertisedRef[]> {
  const refs = await git.listServerRefs({ http: options.http, url: options.url, protocolVersion: 1, symrefs: true });
  return refs.map((r) => ({ ref: r.ref, oid: r.oid, target: r.target }));
}

export async function hasObject(gitdir: string, oid: string, cache: object): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir, oid, format: 'deflated', cache });
    return true;
  } catch {
    return false;
  }
}

async function ensureRepository(gitdir: string): Promise<void> {
  const exists = await stat(join(gitdir, 'HEAD')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true });
  }
  // isomorphic-git maps fetched branches through this refspec; the URL stays out of the config.
  if (!(await git.getConfig({ fs, gitdir, path: 'remote.origin.fetch' }))) {
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }
}

export interface FetchIntoCacheOptions {
  gitdir: string;
  url: string;
  http: HttpClient;
  /** One ref the server advertises (isomorphic-git resolves it even when upstream HEAD dangles). */
  anyRef: string;
  /** Also fetch tags (all branches are fetched in any case). */
  tags: boolean;
}

/**
 * Fetches all branches (and tags) of the server into the cache, offering every ref the cache
 * holds as a have. Objects arrive as a pack kept in the cache with its index.
 */
export async function fetchIntoCache(options: FetchIntoCacheOptions): Promise<void> {
  await ensureRepository(options.gitdir);
  await git.fetch({
    fs,
    http: options.http,
    gitdir: options.gitdir,
    url: options.url,
    remote: 'origin',
    ref: options.anyRef,
    remoteRef: options.anyRef,
    singleBranch: false,
    tags: options.tags,
  });
}
