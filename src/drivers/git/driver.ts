/**
 * The `git` kind: mirrors Git repositories (smart or dumb HTTP, ssh://, git://) with the real
 * `git` and publishes each as a bare repository `<name>.git/` in the snapshot tree, which
 * `ferry serve` or nginx serve over smart HTTP (git http-backend: shallow and partial clones
 * work) and any static server over dumb HTTP.
 *
 * `resolve` runs one `git fetch` of the selected refs into the bare repository of the cache
 * (mirror-cache.ts; with nothing new it costs what a no-op `git fetch` costs: one listing of the
 * refs), reads the selection back from the cache's refs, and, when it changed, makes every pack
 * of the cache a blob by hard link (pack-import.ts).
 * Its files are those packs, already in the store: nothing is downloaded by URL. `generate`
 * writes each repository's text files: `packed-refs` with exactly the refs selected, so every
 * snapshot, and a rollback to it, serves its own refs. Objects its refs do not reach may sit in
 * its packs (shared with other snapshots), as on any git hosting.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import { resourceId, type Resource } from '../../core/resource.js';
import type { ManifestFile } from '../../store/types.js';
import type { Driver, DriverContext, GeneratedFile, WantedFile } from '../types.js';
import type { GitRepository } from './git-spec.js';
import { cacheDirFor, cacheRefs, ensureCache, fetchRefspecs, listPacks, listRemoteRefs, objectTypes, packLooseObjects, peelTags, refspecsFor, repackGeometric, withCache } from './mirror-cache.js';
import { importPacks, type ImportedPack } from './pack-import.js';
import { pinnedSelection, previousRepositoryState, reusableFiles, type GitUpstreamState, type Submodule } from './previous-state.js';
import { repositoryTextFiles } from './repository-files.js';
import { guessHeadTarget, selectRefs, type RefSelection } from './select-refs.js';
import { submodulesAt } from './submodules.js';
import { upstreamAccess, type UpstreamAccess } from './upstream-auth.js';

/** What resolve hands generate for one repository. */
interface RepositoryPlan {
  repo: GitRepository;
  selection: RefSelection;
  /** The previous snapshot's files, when the refs are unchanged. */
  reuse?: ManifestFile[];
  peeled?: Record<string, string>;
  packs?: ImportedPack[];
  submodules?: Submodule[];
}

interface GitScratch {
  plans: RepositoryPlan[];
}

type GitContext = DriverContext<GitUpstreamState>;

interface ResolvedRepository {
  plan: RepositoryPlan;
  files: WantedFile[];
  warnings: FerryError[];
  fetched: { files: number; bytes: number };
}

const CONCURRENCY = 4;

/** git's messages when the cache itself is unreadable (a fresh cache heals it). */
const DAMAGED = /bad object|did not send all necessary objects|unable to read|corrupt|inflate|missing (blob|tree|commit|tag)|index-pack failed|packfile .* cannot be accessed|bad packed object/i;

/** Turns whatever a step on `repo` threw into a FerryError naming it (URL redacted). */
function repositoryError(e: unknown, repo: GitRepository, step: string, signal: AbortSignal): FerryError {
  const url = redactUrl(repo.url);
  if (e instanceof FerryError) {
    if (e.data.repository) return e;
    return new FerryError(e.code, `git repository ${repo.name}: ${e.message}`, { ...e.data, url: e.data.url ?? url, repository: repo.name }, e.cause ?? e);
  }
  if (signal.aborted) return new FerryError('FERRY_ABORTED', `git repository ${repo.name}: ${step} of ${url} aborted`, { url, repository: repo.name }, e);
  return new FerryError('FERRY_GIT', `git repository ${repo.name}: ${step} of ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { url, repository: repo.name }, e);
}

/**
 * The packs as files of the resource, already in the store. No URL: they are not downloaded but
 * linked from the cache, so `fsck --repair` leaves them to `apply --refresh`, which links a
 * missing one in again from the cache.
 */
function packFiles(repo: GitRepository, packs: readonly ImportedPack[]): WantedFile[] {
  const url = '';
  return packs.flatMap((p) => [
    { path: `${repo.dir}/objects/pack/${p.name}.pack`, url, sha256: p.pack.sha256, size: p.pack.size },
    { path: `${repo.dir}/objects/pack/${p.name}.idx`, url, sha256: p.idx.sha256, size: p.idx.size },
  ]);
}

function reusedFiles(files: ManifestFile[]): WantedFile[] {
  return files.filter((f) => !f.generated).map((f) => ({ path: f.path, url: f.url ?? '', sha256: f.sha256, size: f.size }));
}

async function packSizes(gitdir: string, names: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const n of names) bytes += (await stat(join(gitdir, 'objects', 'pack', `${n}.pack`))).size;
  return bytes;
}

/** The full ref an exact (glob-free) pattern selected in `refs`, as selectRefs picks it. */
function exactIn(refs: Record<string, string>): (pattern: string) => string | undefined {
  return (p) => (p.startsWith('refs/') ? p : [`refs/heads/${p}`, `refs/tags/${p}`].find((r) => r in refs));
}

const MISSING_REF = /couldn't find remote ref (\S+)/;

/**
 * One `git fetch` of what the patterns select into the cache (pruned, so the cache's refs are
 * upstream's), with upstream's HEAD commit. An exact pattern's full name comes from the last
 * published state; without it (first run), or when a fetch says such a ref is gone, upstream is
 * listed first (ls-remote), which also names upstream's HEAD and reports a missing ref as a model
 * error. A cache git cannot read is started over once.
 */
async function fetchSelected(
  gitdir: string,
  repo: GitRepository,
  access: UpstreamAccess,
  known: Record<string, string> | undefined,
  ctx: GitContext,
  log: (m: string) => void,
): Promise<{ headTarget?: string }> {
  let headTarget: string | undefined;
  let listed = false;
  let specs = refspecsFor(repo.refs, known ? exactIn(known) : () => undefined);
  let head = true;
  let restarted = false;
  for (;;) {
    if (!specs) {
      const remote = await listRemoteRefs(access, ctx.signal);
      const selection = selectRefs(remote.advertised, repo.refs, { repository: repo.name, url: repo.url });
      listed = true;
      headTarget = remote.advertised.find((a) => a.ref === 'HEAD')?.target;
      head = remote.advertised.some((a) => a.ref === 'HEAD' && a.oid !== '');
      const named = refspecsFor(repo.refs, exactIn(selection.refs));
      if (!named) throw new FerryError('FERRY_INTERNAL', `git repository ${repo.name}: a selected pattern names no ref`, { repository: repo.name });
      specs = named;
    }
    const hadPacks = (await listPacks(gitdir)).length > 0;
    try {
      await fetchRefspecs(gitdir, access, specs, { signal: ctx.signal, head });
      await packLooseObjects(gitdir, ctx.signal);
      return { headTarget };
    } catch (e) {
      if (!(e instanceof FerryError) || e.code !== 'FERRY_GIT') throw e;
      const missing = MISSING_REF.exec(e.message)?.[1];
      if (missing === 'HEAD' && head) head = false;
      else if (missing && !listed) specs = undefined;
      else if (DAMAGED.test(e.message) && hadPacks && !restarted) {
        restarted = true;
        log(`the mirror cache cannot be read (${e.message.split('\n').pop()}); fetching again from scratch`);
        await rm(gitdir, { recursive: true, force: true });
        await ensureCache(gitdir, ctx.signal);
      } else throw e;
    }
  }
}

async function resolveRepository(repo: GitRepository, resource: Resource, ctx: GitContext): Promise<ResolvedRepository> {
  let step = 'fetching';
  const where = { resource: resourceId(resource), url: redactUrl(repo.url) };
  const none = { files: 0, bytes: 0 };
  try {
    const pinned = ctx.refresh ? undefined : pinnedSelection(ctx.previous, { name: repo.name, redactedUrl: redactUrl(repo.url), refs: repo.refs });
    const kept = pinned && (await reusableFiles({ previous: ctx.previous, name: repo.name, dir: repo.dir, selection: pinned, blobs: ctx.blobs }));
    if (pinned && kept) {
      ctx.logger.info(`git ${repo.name}: unchanged in the model and no refresh asked, published as before`, where);
      return { plan: { repo, selection: pinned, reuse: kept }, files: reusedFiles(kept), warnings: [], fetched: none };
    }
    const access = upstreamAccess(repo.url, repo.ssh);
    const gitdir = cacheDirFor(ctx.stateDir, repo.url);
    const last = previousRepositoryState(ctx.previous, repo.name);
    const known = last && last.url === redactUrl(repo.url) && JSON.stringify(last.patterns) === JSON.stringify(repo.refs) ? last.refs : undefined;
    return await withCache(gitdir, async () => {
      await ensureCache(gitdir, ctx.signal);
      const before = new Set(await listPacks(gitdir));
      const { headTarget } = await fetchSelected(gitdir, repo, access, known, ctx, (m) => ctx.logger.warn(`git ${repo.name}: ${m}`, where));
      step = 'reading refs';
      const advertised = await cacheRefs(gitdir, ctx.signal);
      const upstreamHead = advertised.find((a) => a.ref === 'HEAD');
      if (upstreamHead) upstreamHead.target = headTarget ?? guessHeadTarget(advertised, last?.head);
      const selection = selectRefs(advertised, repo.refs, { repository: repo.name, url: repo.url });
      const warnings = selection.emptyGlobs.map((p) => new FerryError('FERRY_INVALID_MODEL', `git repository ${repo.name}: no ref of ${redactUrl(repo.url)} matches ${p}`, { repository: repo.name, url: redactUrl(repo.url), expected: p }));
      const newPacks = (await listPacks(gitdir)).filter((p) => !before.has(p));
      const fetched = { files: newPacks.length, bytes: await packSizes(gitdir, newPacks) };
      if (newPacks.length) ctx.logger.info(`git ${repo.name}: fetched ${fetched.bytes} bytes (${newPacks.length} pack)`, where);
      const reuse = await reusableFiles({ previous: ctx.previous, name: repo.name, dir: repo.dir, selection, blobs: ctx.blobs });
      if (reuse) {
        ctx.logger.info(`git ${repo.name}: refs unchanged, nothing to fetch`, where);
        return { plan: { repo, selection, reuse }, files: reusedFiles(reuse), warnings, fetched };
      }
      const types = await objectTypes(gitdir, Object.values(selection.refs), ctx.signal);
      const lacking = Object.keys(selection.refs).filter((n) => !types.has(selection.refs[n]));
      if (lacking.length) throw new FerryError('FERRY_GIT', `the mirror cache lacks the objects of ${lacking.length} ref(s) after a fetch (${lacking.slice(0, 3).join(', ')}); run again`, { expected: lacking });
      step = 'repacking';
      if (await repackGeometric(gitdir, ctx.signal)) ctx.logger.info(`git ${repo.name}: rolled the small packs of the mirror cache into one (geometric repack)`, where);
      step = 'linking packs';
      const packs = await importPacks(gitdir, await listPacks(gitdir), ctx.blobs, ctx.signal);
      step = 'reading refs';
      const tags = Object.values(selection.refs).filter((oid) => types.get(oid) === 'tag');
      const peeledByOid = await peelTags(gitdir, tags, ctx.signal);
      const peeled: Record<string, string> = {};
      for (const [name, oid] of Object.entries(selection.refs)) {
        const p = peeledByOid.get(oid);
        if (p) peeled[name] = p;
      }
      const heads = Object.entries(selection.refs).filter(([n]) => n.startsWith('refs/heads/')).map(([, oid]) => oid);
      const submodules = await submodulesAt(gitdir, heads, ctx.signal);
      for (const s of submodules) ctx.logger.warn(`git ${repo.name}: submodule ${s.path} (${s.url}) is not mirrored: Ferry does not follow submodules; list it as a repository if clients need it`, where);
      return { plan: { repo, selection, peeled, packs, submodules }, files: packFiles(repo, packs), warnings, fetched };
    });
  } catch (e) {
    throw repositoryError(e, repo, step, ctx.signal);
  }
}

function publishRepository(plan: RepositoryPlan): GeneratedFile[] {
  const { repo, selection } = plan;
  if (plan.reuse) {
    return plan.reuse.filter((f) => f.generated).map((f) => ({ path: f.path, content: new Uint8Array(0), stored: { sha256: f.sha256, size: f.size } }));
  }
  const text = repositoryTextFiles({ refs: selection.refs, peeled: plan.peeled ?? {}, head: selection.head, packs: (plan.packs ?? []).map((p) => p.name) });
  const encoder = new TextEncoder();
  return Object.entries(text).map(([path, body]) => ({ path: `${repo.dir}/${path}`, content: encoder.encode(body) }));
}

async function eachRepository<T, R>(items: T[], signal: AbortSignal, fn: (item: T) => Promise<R>): Promise<R[]> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const errors: FerryError[] = [];
  const results: R[] = new Array<R>(items.length);
  await Promise.all(
    items.map((item, i) =>
      queue.add(async () => {
        if (signal.aborted) return;
        try {
          results[i] = await fn(item);
        } catch (e) {
          errors.push(...toFerryErrors(e));
        }
      }),
    ),
  );
  if (signal.aborted) throw new FerryError('FERRY_ABORTED', 'git mirror run cancelled', {}, signal.reason);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FerryErrors(errors);
  return results;
}

export const gitDriver: Driver<GitRepository[], GitScratch, GitUpstreamState> = {
  kind: 'git',
  generatesFromIndexes: true,

  async resolve(resource, repos, ctx) {
    const resolved = await eachRepository(repos, ctx.signal, (repo) => resolveRepository(repo, resource, ctx));
    const upstream: GitUpstreamState = { repositories: {} };
    for (const { plan } of resolved) {
      const submodules = plan.submodules ?? previousRepositoryState(ctx.previous, plan.repo.name)?.submodules;
      upstream.repositories[plan.repo.name] = { url: redactUrl(plan.repo.url), head: plan.selection.head, refs: plan.selection.refs, patterns: plan.repo.refs, ...(submodules?.length ? { submodules } : {}) };
    }
    const scratch: GitScratch = { plans: resolved.map((r) => r.plan) };
    const fetched = resolved.reduce((sum, r) => ({ files: sum.files + r.fetched.files, bytes: sum.bytes + r.fetched.bytes }), { files: 0, bytes: 0 });
    return { files: resolved.flatMap((r) => r.files), upstream, warnings: resolved.flatMap((r) => r.warnings), scratch, fetched };
  },

  async generate(resource, repos, resolution, ctx) {
    const scratch = resolution.scratch ?? (await gitDriver.resolve(resource, repos, ctx)).scratch;
    if (!scratch) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: resolve gave generate nothing to work with`, { resource: resourceId(resource) });
    return { files: scratch.plans.flatMap((plan) => publishRepository(plan)) };
  },
};
