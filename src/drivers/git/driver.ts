/**
 * The `git` kind: mirrors Git repositories over HTTP and publishes each one as a static bare
 * repository that `git clone` reads over the dumb HTTP protocol from any static web server:
 * `<name>.git/{HEAD,info/refs,packed-refs,objects/info/packs}` and one pack with its index,
 * holding every object reachable from the selected refs.
 *
 * `resolve` lists the upstream refs (one request per repository), picks the selected ones, and
 * fetches into the driver cache only when an object is missing; it returns no files to
 * download, as git objects are not fetched by URL. `generate` writes the repository files,
 * which become blobs; a repository whose refs did not change is republished from the previous
 * snapshot's blobs. The pack is deterministic: unchanged refs give unchanged blobs.
 */
import { readFile, rm } from 'node:fs/promises';
import PQueue from 'p-queue';
import { Agent, type Dispatcher } from 'undici';
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import { resourceId, type Resource } from '../../core/resource.js';
import type { ManifestFile } from '../../store/types.js';
import type { Driver, DriverContext, GeneratedFile, Resolution } from '../types.js';
import { gitHttpClient, type CountingHttpClient } from './git-http-client.js';
import { parseGitSpec, type GitRepository } from './git-spec.js';
import { compactCache } from './compact-cache.js';
import { cacheDirFor, fetchIntoCache, hasObject, listRemoteRefs, withCache } from './mirror-cache.js';
import { packReachable } from './pack-reachable.js';
import { pinnedSelection, previousPackFiles, reusableFiles, type GitUpstreamState } from './previous-state.js';
import { PublishedEntries } from './published-entries.js';
import { repositoryTextFiles } from './repository-files.js';
import { selectRefs, type RefSelection } from './select-refs.js';

/** What resolve hands generate for one repository. */
interface RepositoryPlan {
  repo: GitRepository;
  selection: RefSelection;
  gitdir: string;
  /** The previous snapshot's files, when the refs are unchanged. */
  reuse?: ManifestFile[];
  /** The previous snapshot's pack of this repository, whose entries packing may copy. */
  previousPack?: { pack: ManifestFile; idx: ManifestFile };
}

interface GitScratch {
  plans: RepositoryPlan[];
}

const CONCURRENCY = 4;

/** Errors packing raises when the cache is missing objects or holds corrupt ones. */
const DAMAGED_CACHE = new Set(['FERRY_GIT', 'FERRY_BAD_INDEX', 'FERRY_DIGEST_MISMATCH']);

function urlForms(raw: string): string[] {
  const forms = [raw];
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    forms.push(u.toString(), u.toString().replace(/\/$/, ''));
  } catch {
    // parseGitSpec let only parseable http(s) URLs through.
  }
  return forms.filter((f) => f !== redactUrl(raw));
}

/** Turns whatever a step on `repo` threw into a FerryError naming it (URL redacted). */
function repositoryError(e: unknown, repo: GitRepository, step: string, signal: AbortSignal): FerryError {
  const url = redactUrl(repo.url);
  if (e instanceof FerryError) {
    if (e.data.repository) return e;
    return new FerryError(e.code, `git repository ${repo.name}: ${e.message}`, { ...e.data, url: e.data.url ?? url, repository: repo.name }, e.cause ?? e);
  }
  if (signal.aborted) return new FerryError('FERRY_ABORTED', `git repository ${repo.name}: ${step} of ${url} aborted`, { url, repository: repo.name }, e);
  let message = e instanceof Error ? e.message : String(e);
  // isomorphic-git may quote the URL as given or with its credentials cut out.
  for (const form of urlForms(repo.url)) message = message.replaceAll(form, url);
  return new FerryError('FERRY_GIT', `git repository ${repo.name}: ${step} of ${url} failed: ${message}`, { url, repository: repo.name });
}

async function missingObjects(gitdir: string, oids: string[]): Promise<string[]> {
  const cache = {};
  const missing: string[] = [];
  for (const oid of new Set(oids)) if (!(await hasObject(gitdir, oid, cache))) missing.push(oid);
  return missing;
}

async function resolveRepository(
  repo: GitRepository,
  resource: Resource,
  ctx: DriverContext,
  http: CountingHttpClient,
  dispatcher: Dispatcher,
): Promise<{ plan: RepositoryPlan; warnings: FerryError[] }> {
  let step = 'listing the refs';
  try {
    const gitdir = cacheDirFor(ctx.stateDir, repo.url);
    const pinned = ctx.refresh ? undefined : pinnedSelection(ctx.previous, { name: repo.name, redactedUrl: redactUrl(repo.url), refs: repo.refs });
    const kept = pinned && (await reusableFiles({ previous: ctx.previous, name: repo.name, dir: repo.dir, selection: pinned, blobs: ctx.blobs }));
    if (pinned && kept) {
      ctx.logger.info(`git ${repo.name}: unchanged in the model and no refresh asked, published as before`, { resource: resourceId(resource) });
      return { plan: { repo, selection: pinned, gitdir, reuse: kept }, warnings: [] };
    }
    const advertised = await listRemoteRefs({ url: repo.url, http });
    const selection = selectRefs(advertised, repo.refs, { repository: repo.name, url: repo.url });
    const warnings = selection.emptyGlobs.map(
      (p) => new FerryError('FERRY_INVALID_MODEL', `git repository ${repo.name}: no ref of ${redactUrl(repo.url)} matches ${p}`, { repository: repo.name, url: redactUrl(repo.url), expected: p }),
    );
    const reuse = await reusableFiles({ previous: ctx.previous, name: repo.name, dir: repo.dir, selection, blobs: ctx.blobs });
    if (reuse) {
      ctx.logger.info(`git ${repo.name}: refs unchanged, nothing to fetch`, { resource: resourceId(resource) });
      return { plan: { repo, selection, gitdir, reuse }, warnings };
    }
    step = 'fetching';
    // The fetch sees only the selected refs advertised, so it asks for their history alone.
    const fetchHttp = gitHttpClient({ signal: ctx.signal, dispatcher, counts: http.counts, advertise: (ref) => ref in selection.refs });
    await withCache(gitdir, async () => {
      const wanted = Object.values(selection.refs);
      if ((await missingObjects(gitdir, wanted)).length === 0) return;
      const refNames = Object.keys(selection.refs);
      for (let attempt = 1; ; attempt++) {
        const before = http.counts.bytes;
        await fetchIntoCache({ gitdir, url: repo.url, http: fetchHttp, anyRef: refNames[0], tags: refNames.some((r) => r.startsWith('refs/tags/')) });
        ctx.logger.info(`git ${repo.name}: fetched ${http.counts.bytes - before} bytes`, { resource: resourceId(resource), url: redactUrl(repo.url) });
        const still = await missingObjects(gitdir, wanted);
        if (still.length === 0) {
          if (await compactCache(gitdir, { signal: ctx.signal })) ctx.logger.info(`git ${repo.name}: merged the packs of the mirror cache`, {});
          return;
        }
        if (attempt === 2) {
          throw new FerryError('FERRY_GIT', `git repository ${repo.name}: ${redactUrl(repo.url)} changed while it was fetched (${still.length} ref(s) not received); try again`, {
            url: redactUrl(repo.url),
            repository: repo.name,
            expected: still,
          });
        }
        // Objects a fetch should have brought are unreadable: the cache is damaged, start it over.
        ctx.logger.warn(`git ${repo.name}: the mirror cache lacks objects after a fetch; fetching again from scratch`, { url: redactUrl(repo.url) });
        await rm(gitdir, { recursive: true, force: true });
      }
    });
    const previousPack = await previousPackFiles({ previous: ctx.previous, dir: repo.dir, blobs: ctx.blobs });
    return { plan: { repo, selection, gitdir, previousPack }, warnings };
  } catch (e) {
    throw repositoryError(e, repo, step, ctx.signal);
  }
}

/** The previous pack's entries, or undefined when it cannot be read (packing then does without). */
async function publishedEntries(plan: RepositoryPlan, ctx: DriverContext): Promise<PublishedEntries | undefined> {
  if (!plan.previousPack) return undefined;
  try {
    const [pack, idx] = await Promise.all([plan.previousPack.pack, plan.previousPack.idx].map((f) => readFile(ctx.blobs.pathOf(f.sha256), { signal: ctx.signal })));
    return new PublishedEntries(pack, idx, plan.previousPack.idx.path);
  } catch (e) {
    ctx.logger.warn(`git ${plan.repo.name}: cannot reuse the previous pack (${e instanceof Error ? e.message : String(e)}); packing every object`, {});
    return undefined;
  }
}

async function publishRepository(plan: RepositoryPlan, ctx: DriverContext): Promise<GeneratedFile[]> {
  const { repo, selection } = plan;
  if (plan.reuse) {
    return Promise.all(plan.reuse.map(async (f) => ({ path: f.path, content: await readFile(ctx.blobs.pathOf(f.sha256), { signal: ctx.signal }) })));
  }
  try {
    const names = Object.keys(selection.refs).sort();
    const previous = await publishedEntries(plan, ctx);
    const built = await withCache(plan.gitdir, () => packReachable({ gitdir: plan.gitdir, tips: names.map((n) => selection.refs[n]), signal: ctx.signal, previous }));
    const peeled: Record<string, string> = {};
    for (const n of names) if (built.peeled[selection.refs[n]]) peeled[n] = built.peeled[selection.refs[n]];
    const text = repositoryTextFiles({ refs: selection.refs, peeled, head: selection.head, packChecksum: built.checksum });
    const encoder = new TextEncoder();
    const files: GeneratedFile[] = Object.entries(text).map(([path, body]) => ({ path: `${repo.dir}/${path}`, content: encoder.encode(body) }));
    files.push({ path: `${repo.dir}/objects/pack/pack-${built.checksum}.pack`, content: built.pack });
    files.push({ path: `${repo.dir}/objects/pack/pack-${built.checksum}.idx`, content: built.idx });
    ctx.logger.info(`git ${repo.name}: packed ${built.objects} objects (${built.copied} copied from the previous pack, ${built.pack.length} bytes) for ${names.length} ref(s)`, {});
    return files;
  } catch (e) {
    if (e instanceof FerryError && DAMAGED_CACHE.has(e.code) && !ctx.signal.aborted) {
      // A cache that lost or garbled objects cannot heal by fetching more: start it over.
      await rm(plan.gitdir, { recursive: true, force: true });
      ctx.logger.warn(`git ${repo.name}: the mirror cache was damaged (${e.message}); cleared it, the next run fetches again`, { url: redactUrl(repo.url) });
      throw new FerryError('FERRY_GIT', `git repository ${repo.name}: the mirror cache of ${redactUrl(repo.url)} was damaged and has been cleared; run again`, { url: redactUrl(repo.url), repository: repo.name }, e);
    }
    throw repositoryError(e, repo, 'packing', ctx.signal);
  }
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

export const gitDriver: Driver = {
  kind: 'git',

  async resolve(resource: Resource, ctx: DriverContext): Promise<Resolution> {
    const repos = parseGitSpec(resource.spec, resourceId(resource));
    const agent = new Agent({ connections: CONCURRENCY });
    try {
      const http = gitHttpClient({ signal: ctx.signal, dispatcher: agent });
      const resolved = await eachRepository(repos, ctx.signal, (repo) => resolveRepository(repo, resource, ctx, http, agent));
      const upstream: GitUpstreamState = { repositories: {} };
      for (const { plan } of resolved) upstream.repositories[plan.repo.name] = { url: redactUrl(plan.repo.url), head: plan.selection.head, refs: plan.selection.refs, patterns: plan.repo.refs };
      const scratch: GitScratch = { plans: resolved.map((r) => r.plan) };
      return { files: [], upstream, warnings: resolved.flatMap((r) => r.warnings), scratch };
    } finally {
      await agent.close().catch(() => undefined);
    }
  },

  async generate(resource: Resource, resolution: Resolution, ctx: DriverContext): Promise<GeneratedFile[]> {
    const scratch = resolution.scratch as GitScratch | undefined;
    if (!scratch?.plans) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: generate called without a git resolution`, { resource: resourceId(resource) });
    const generated = await eachRepository(scratch.plans, ctx.signal, (plan) => publishRepository(plan, ctx));
    return generated.flat();
  },
};
