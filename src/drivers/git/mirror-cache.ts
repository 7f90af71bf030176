/**
 * The driver's cache of upstream repositories: one bare repository per upstream URL under
 * `<state>/cache/git/<hash of the URL without credentials>`, fetched into by the real `git`
 * (its own negotiation, delta resolution and memory use), kept between runs so that a refresh
 * asks upstream only for what the cache lacks (the refs it holds are sent as "haves").
 *
 * Every fetch keeps what it receives as one pack (`fetch.unpackLimit=1`), never as loose
 * objects, and git's automatic gc is off: packs appear only by fetching and disappear only by
 * `repackGeometric`, so a pack file, once written, never changes. Snapshots link those files
 * (pack-import.ts). Credentials never reach the disk: the URL and any header are passed per
 * call, the cache's config names no remote.
 */
import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import { configEnv, runGit } from './git-cli.js';
import type { AdvertisedRef } from './select-refs.js';
import type { UpstreamAccess } from './upstream-auth.js';

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

/** Settings of every cache repository (written once, at creation). */
const CACHE_CONFIG = `[gc]
\tauto = 0
\tautoDetach = false
[maintenance]
\tauto = false
[fetch]
\tunpackLimit = 1
\twriteCommitGraph = false
[transfer]
\tunpackLimit = 1
[repack]
\twriteBitmaps = false
[core]
\tlogAllRefUpdates = false
`;

export async function ensureCache(gitdir: string, signal: AbortSignal): Promise<void> {
  const exists = await stat(join(gitdir, 'HEAD')).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await mkdir(gitdir, { recursive: true });
  await runGit(['init', '-q', '--bare', gitdir], { signal, what: `creating the mirror cache ${gitdir}` });
  await appendFile(join(gitdir, 'config'), CACHE_CONFIG);
}

export interface RemoteRefs {
  advertised: AdvertisedRef[];
  /** Ref name to the object an annotated tag finally names, as upstream peeled it. */
  peeled: Record<string, string>;
}

/** Parses `git ls-remote --symref` output. Pure. */
export function parseLsRemote(text: string): RemoteRefs {
  const advertised: AdvertisedRef[] = [];
  const peeled: Record<string, string> = {};
  let headTarget: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const left = line.slice(0, tab);
    const ref = line.slice(tab + 1);
    if (left.startsWith('ref: ')) {
      if (ref === 'HEAD') headTarget = left.slice(5);
      continue;
    }
    if (!/^[0-9a-f]{40}$/.test(left)) continue;
    if (ref.endsWith('^{}')) peeled[ref.slice(0, -3)] = left;
    else advertised.push({ ref, oid: left, target: ref === 'HEAD' ? headTarget : undefined });
  }
  const head = advertised.find((a) => a.ref === 'HEAD');
  if (head) head.target = headTarget;
  else if (headTarget) advertised.push({ ref: 'HEAD', oid: '', target: headTarget });
  return { advertised, peeled };
}

/** The branches, tags and HEAD upstream advertises (one connection, like `git fetch`'s first step). */
export async function listRemoteRefs(access: UpstreamAccess, signal: AbortSignal): Promise<RemoteRefs> {
  const { stdout } = await runGit(['ls-remote', '--symref', access.url, 'HEAD', 'refs/heads/*', 'refs/tags/*'], {
    signal,
    env: { ...configEnv(access.config), ...access.env },
    secrets: access.secrets,
    what: `listing the refs of ${redactUrl(access.url)}`,
  });
  return parseLsRemote(stdout);
}

/** Object id to type for the objects the cache holds among `oids` (absent: missing). */
export async function objectTypes(gitdir: string, oids: readonly string[], signal: AbortSignal): Promise<Map<string, string>> {
  const unique = [...new Set(oids)];
  const types = new Map<string, string>();
  if (unique.length === 0) return types;
  const { stdout } = await runGit(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { gitdir, signal, input: unique.join('\n') + '\n', what: 'reading the mirror cache' });
  for (const line of stdout.split('\n')) {
    const [oid, type] = line.split(' ');
    if (type && type !== 'missing' && /^[0-9a-f]{40}$/.test(oid)) types.set(oid, type);
  }
  return types;
}

/** For each tag object among `tags`, the object it finally names (peeled fully, as packed-refs wants). */
export async function peelTags(gitdir: string, tags: readonly string[], signal: AbortSignal): Promise<Map<string, string>> {
  const unique = [...new Set(tags)];
  const out = new Map<string, string>();
  if (unique.length === 0) return out;
  const { stdout } = await runGit(['cat-file', '--batch-check=%(objectname)'], { gitdir, signal, input: unique.map((t) => `${t}^{}`).join('\n') + '\n', what: 'peeling tags in the mirror cache' });
  stdout.split('\n').forEach((line, i) => {
    if (i < unique.length && /^[0-9a-f]{40}$/.test(line)) out.set(unique[i], line);
  });
  return out;
}

/** Where the cache keeps upstream's HEAD (its commit; which branch it names is guessed from it). */
const UPSTREAM_HEAD = 'refs/ferry/upstream-head';

/**
 * The refspecs that fetch what `patterns` select (select-refs.ts): a glob stays a glob (git's
 * `*` also matches across `/`; a short one covers branches and tags), an exact pattern becomes
 * the full ref `exact` gives for it. Undefined when an exact pattern's full name is unknown
 * (ls-remote must tell it). Pure.
 */
export function refspecsFor(patterns: readonly string[], exact: (pattern: string) => string | undefined): string[] | undefined {
  const out = new Set<string>();
  for (const p of patterns) {
    if (p.includes('*')) {
      for (const full of p.startsWith('refs/') ? [p] : [`refs/heads/${p}`, `refs/tags/${p}`]) out.add(`+${full}:${full}`);
      continue;
    }
    const full = p.startsWith('refs/') ? p : exact(p);
    if (!full) return undefined;
    out.add(`+${full}:${full}`);
  }
  return [...out];
}

/**
 * One `git fetch` of `refspecs` into the same names in the cache, forced (upstream may rewrite a
 * branch) and pruned (a ref gone upstream goes from the cache), without tags the refspecs do not
 * name, upstream's HEAD commit into UPSTREAM_HEAD when `head` is set. Nothing to fetch costs what
 * a no-op `git fetch` costs: one listing of the refs.
 */
export async function fetchRefspecs(gitdir: string, access: UpstreamAccess, refspecs: readonly string[], options: { signal: AbortSignal; head: boolean }): Promise<void> {
  const all = options.head ? [...refspecs, `+HEAD:${UPSTREAM_HEAD}`] : refspecs;
  await runGit(['fetch', '-q', '--prune', '--no-tags', '--no-write-fetch-head', '--no-auto-gc', '--no-auto-maintenance', '--no-show-forced-updates', '--stdin', access.url], {
    gitdir,
    signal: options.signal,
    env: { ...configEnv(access.config), ...access.env },
    secrets: access.secrets,
    input: all.map((r) => `${r}\n`).join(''),
    what: `fetching ${redactUrl(access.url)}`,
  });
}

/** The cache's branches and tags (and upstream's HEAD commit, without its name) as an advertisement. */
export async function cacheRefs(gitdir: string, signal: AbortSignal): Promise<AdvertisedRef[]> {
  const { stdout } = await runGit(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags', UPSTREAM_HEAD], { gitdir, signal, what: 'reading the mirror cache refs' });
  const out: AdvertisedRef[] = [];
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space !== 40) continue;
    const name = line.slice(space + 1);
    out.push({ ref: name === UPSTREAM_HEAD ? 'HEAD' : name, oid: line.slice(0, 40) });
  }
  return out;
}

/** The cache's packs, by name (`pack-<checksum>`), each with its index; sorted. */
export async function listPacks(gitdir: string): Promise<string[]> {
  const names = await readdir(join(gitdir, 'objects', 'pack')).catch(() => [] as string[]);
  const idx = new Set(names.filter((n) => /^pack-[0-9a-f]{40}\.idx$/.test(n)).map((n) => n.slice(0, -4)));
  return names
    .filter((n) => /^pack-[0-9a-f]{40}\.pack$/.test(n) && idx.has(n.slice(0, -5)))
    .map((n) => n.slice(0, -5))
    .sort();
}

/**
 * Packs loose objects, if a fetch left any (a dumb-HTTP fetch stores what it walks as loose
 * objects; smart fetches keep a pack), into one more pack: a snapshot publishes packs only.
 * Returns whether there were any. One readdir when there are none.
 */
export async function packLooseObjects(gitdir: string, signal: AbortSignal): Promise<boolean> {
  const objects = join(gitdir, 'objects');
  let loose = false;
  for (const d of await readdir(objects).catch(() => [] as string[])) {
    if (/^[0-9a-f]{2}$/.test(d) && (await readdir(join(objects, d)).catch(() => [])).length > 0) {
      loose = true;
      break;
    }
  }
  if (!loose) return false;
  await runGit(['repack', '-q', '-d', '--no-write-bitmap-index'], { gitdir, signal, what: 'packing the loose objects of the mirror cache' });
  return true;
}

/**
 * Keeps the count of packs bounded (gitformat: `git repack --geometric=2`): once there are more
 * than `maxPacks`, the smaller packs are rolled into one so that each remaining pack holds at
 * least twice the objects of the next smaller. The largest packs (the first fetch) are left as
 * they are, so snapshots keep sharing them; rolled-up packs leave the cache but stay in the blob
 * store for as long as a retained snapshot links them. Returns whether it repacked.
 */
export async function repackGeometric(gitdir: string, signal: AbortSignal, maxPacks = 8): Promise<boolean> {
  if ((await listPacks(gitdir)).length <= maxPacks) return false;
  await runGit(['repack', '-q', '-d', '--geometric=2', '--no-write-bitmap-index'], { gitdir, signal, what: 'repacking the mirror cache' });
  return true;
}
