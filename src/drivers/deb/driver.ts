/**
 * The `deb` kind: Debian/Ubuntu archives, full or partial, served under `/deb/<name>/` as
 *
 *   deb [signed-by=/path/archive-key.asc] http://host:port/deb/<name> <suite> <component>
 *
 * resolve: verified Release per suite (asked conditionally on a refresh), indexes into the blob
 * store (verified by Release SHA256), streamed parse, selection and dependency closure across
 * the mirror's bases; the wanted files are the pool files at upstream's paths.
 * generate: dists/ rebuilt from the selected upstream stanzas, signed with the site key; by-hash
 * files of earlier snapshots are kept. An unchanged upstream and spec reuse the previous
 * snapshot's generated files without re-signing.
 */
import { readFile } from 'node:fs/promises';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import { canonicalJson } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import { resourceId, type Resource } from '../../core/resource.js';
import { safeRelativePath } from '../../core/safe-path.js';
import type { ManifestFile } from '../../store/types.js';
import type { Driver, DriverContext, Generated, GeneratedFile, Resolution, WantedFile } from '../types.js';
import { checkReleases, loadCatalog, trustDigest, type Catalog, type ReleaseSet } from './catalog.js';
import { extractStanzas } from './index-reader.js';
import type { DebPackage } from './format/package.js';
import { publishDists, resignDists } from './publish.js';
import { selectPackages, type Selection } from './select.js';
import { siteSigningKey } from '../../pgp/site-key.js';
import { renewAt, signingChanged, signingIdentity, siteOf, type SigningState } from './signing-state.js';
import type { DebSource } from './format/sources.js';
import { normalizeSpec, type DebSpec } from './spec.js';
import { checkRelated, neededByDependents, relatedMirrors, type RelatedReleases } from './dependents.js';
import { suiteBase, type UpstreamState } from './upstream.js';

/** What a deb mirror keeps for its next refresh (plain JSON, in the manifest). */
export interface DebUpstream extends SigningState {
  self?: UpstreamState;
  bases?: Record<string, UpstreamState>;
  /** by-hash paths of the last generations, newest first (kept for `site.retention`). */
  byHash?: string[][];
  /** Spec hash of each base mirror: the selection depends on them too. */
  baseSpecs?: Record<string, string>;
  /** Mirrors built on this one (and their other bases), whose closures this one publishes from its upstream. */
  related?: Record<string, UpstreamState>;
  relatedSpecs?: Record<string, string>;
}

/** What resolve learnt that generate needs: the indexes to build from, or earlier files to publish or sign again. */
export type DebScratch =
  | DebBuild
  /** Previous generated files to publish again (nothing changed). */
  | { reuse: ManifestFile[]; date: Date; requests: number }
  /** Previous generated files to sign again (new Date and Valid-Until, or a new site key). */
  | { resign: ManifestFile[]; date: Date; requests: number };

interface DebBuild {
  spec: DebSpec;
  catalog: Catalog;
  selection: Selection;
  /** The publish time: Release Date. */
  date: Date;
  /** by-hash files of the published snapshot (generate is not given ctx.previous). */
  previousByHash: ManifestFile[];
  requests: number;
}

type DebContext = DriverContext<DebUpstream>;

function isByHash(path: string): boolean {
  return path.includes('/by-hash/') || path.startsWith('by-hash/');
}

function wantedFiles(resource: string, spec: DebSpec, sel: Selection): WantedFile[] {
  const byPath = new Map<string, WantedFile>();
  const add = (rel: string, sha256: string, size: number, field: string, item: { name: string; index: string }) => {
    const url = `${spec.url}/${rel}`;
    let path: string;
    try {
      // Segments that start with a letter or digit cannot be empty, `.` or `..`: already safe.
      path = SAFE_POOL_PATH.test(rel) ? rel : safeRelativePath(rel);
    } catch (e) {
      const [suite, plain] = item.index.split('|');
      const index = redactUrl(`${suiteBase(spec.url, suite, spec.flat)}/${plain}`);
      if (isFerryError(e)) throw new FerryError(e.code, `${resource}: ${index}: package ${item.name}: ${field}: ${e.message}`, { ...e.data, resource, url: index, field, package: item.name }, e);
      throw e;
    }
    const other = byPath.get(path);
    if (other && other.sha256 !== sha256) {
      throw new FerryError('FERRY_BAD_INDEX', `${resource}: two different files claim ${path}`, { resource, field, path, expected: other.sha256, actual: sha256 });
    }
    byPath.set(path, { path, url, sha256, size });
  };
  for (const p of [...sel.packages, ...sel.udebs]) add(p.filename, p.sha256, p.size, 'Filename', p);
  for (const s of sel.sources) for (const f of s.files) add(`${s.directory}/${f.name}`, f.sha256, f.size, 'Directory', s);
  // The default sort compares strings natively (UTF-16 code units, like `<`), much faster than a comparator.
  return [...byPath.keys()].sort().map((p) => byPath.get(p)!);
}

const SAFE_POOL_PATH = /^[A-Za-z0-9][A-Za-z0-9._+~%-]*(?:\/[A-Za-z0-9][A-Za-z0-9._+~%-]*)*$/;

function baseSpec(ctx: DebContext, resource: string, name: string): { spec: DebSpec; res: Resource } {
  const res = ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === name);
  if (!res) throw new FerryError('FERRY_INVALID_MODEL', `${resource}: base ${name} is not a deb mirror of this site`, { resource, field: 'bases', actual: name });
  return { spec: { ...normalizeSpec(res.spec, resourceId(res)), withSources: false, withUdebs: false }, res };
}

function relatedState(r: RelatedReleases | undefined): Pick<DebUpstream, 'related' | 'relatedSpecs'> {
  return r?.related.length ? { related: r.upstream, relatedSpecs: r.specs } : {};
}

/** The pool files of the previous entry, as wanted files again (upstream URL = mirror URL + path, as wantedFiles builds them). */
function previousWanted(spec: DebSpec, files: readonly ManifestFile[]): WantedFile[] {
  const out: WantedFile[] = [];
  for (const f of files) if (!f.generated) out.push({ path: f.path, url: `${spec.url}/${f.path}`, sha256: f.sha256, size: f.size });
  return out;
}

async function previousReusable(ctx: DebContext): Promise<ManifestFile[] | undefined> {
  const gen = ctx.previous?.files.filter((f) => f.generated);
  if (!gen?.length) return undefined;
  for (const f of gen) if (!(await ctx.blobs.has(f.sha256))) return undefined;
  return gen;
}

export const debDriver: Driver<DebSpec, DebScratch, DebUpstream> = {
  kind: 'deb',
  generatesFromIndexes: true,

  async resolve(resource, spec, ctx) {
    const id = resourceId(resource);
    const prev: DebUpstream = ctx.previous?.upstream ?? {};
    const sameSpec = ctx.previous?.hash === resource.hash;
    const offline = !ctx.refresh && sameSpec;
    const releases = await checkReleases(ctx, { mirror: resource.name, spec, previous: prev.self, offline });
    const baseReleases: Array<{ name: string; spec: DebSpec; releases: ReleaseSet }> = [];
    const baseSpecs: Record<string, string> = {};
    for (const name of spec.bases) {
      const b = baseSpec(ctx, id, name);
      baseSpecs[name] = b.res.hash;
      baseReleases.push({ name, spec: b.spec, releases: await checkReleases(ctx, { mirror: name, spec: b.spec, previous: prev.bases?.[name], offline }) });
    }
    const bases: Record<string, UpstreamState> = Object.fromEntries(baseReleases.map((b) => [b.name, b.releases.upstream]));
    const related = spec.full ? undefined : await checkRelated(ctx, resource.name, prev.related, offline);
    const sameBases = spec.bases.every((name) => prev.baseSpecs?.[name] === baseSpecs[name]) && canonicalJson(prev.relatedSpecs ?? {}) === canonicalJson(related?.specs ?? {});
    const unchanged = releases.unchanged && baseReleases.every((b) => b.releases.unchanged) && (related?.unchanged ?? true);
    const { signing, signingFile } = await signingIdentity(ctx, prev);
    const date = new Date();
    const renew = (renewAt(prev, siteOf(ctx).valid_until_days) ?? Infinity) <= date.getTime();
    let requests = releases.requests + baseReleases.reduce((n, b) => n + b.releases.requests, 0) + (related?.requests ?? 0);
    const previousGenerated = unchanged && sameSpec && sameBases ? await previousReusable(ctx) : undefined;
    if (previousGenerated) {
      const files = previousWanted(spec, ctx.previous?.files ?? []);
      const kept: DebUpstream = { ...prev, self: releases.upstream, bases, signingFile, ...relatedState(related) };
      // Nothing changed upstream, in the spec or in the key: the published entry stands as it is.
      if (prev.signing === signing && !renew) {
        ctx.logger.info('deb: upstream unchanged', { resource: id, indexRequests: requests });
        const same = canonicalJson({ self: prev.self, bases: prev.bases ?? {}, related: prev.related ?? {} }) === canonicalJson({ self: releases.upstream, bases, related: related?.upstream ?? {} });
        // Verified again with other keys (or asked afresh): same files, the new upstream state recorded.
        if (!same) return { files, upstream: kept, scratch: { reuse: previousGenerated, date, requests } };
        return { files, upstream: kept, unchanged: true };
      }
      // Same packages; a new site key, or a Release to renew before it expires: sign again, read no index.
      ctx.logger.info('deb: re-signing the published Release files', { resource: id, reason: renew ? 'Valid-Until renewal' : 'signing key or policy changed' });
      return { files, upstream: { ...kept, signing, signedAt: date.toISOString() }, scratch: { resign: previousGenerated, date, requests } };
    }
    const catalog = await loadCatalog(ctx, { mirror: resource.name, spec, previous: prev.self, offline, filter: spec.filterQuery, releases });
    requests += catalog.requests - releases.requests;
    const basePackages: DebPackage[] = [];
    for (const b of baseReleases) {
      const c = await loadCatalog(ctx, { mirror: b.name, spec: b.spec, previous: prev.bases?.[b.name], offline, releases: b.releases });
      basePackages.push(...c.packages);
      requests += c.requests - b.releases.requests;
    }
    const dependents = related?.related.length ? await neededByDependents(ctx, resource.name, catalog.packages, related, offline) : undefined;
    requests += dependents?.requests ?? 0;
    const selection = selectPackages({ resource: resource.name, spec, packages: catalog.packages, udebs: catalog.udebs, sources: catalog.sources, matched: catalog.matched, basePackages, neededByDependents: dependents?.needed });
    const files = wantedFiles(id, spec, selection);
    const previousByHash = (ctx.previous?.files ?? []).filter((f) => f.generated && isByHash(f.path));
    const scratch: DebBuild = { spec, catalog, selection, requests, previousByHash, date };
    const upstream: DebUpstream = { self: catalog.upstream, bases, byHash: prev.byHash, signing, signingFile, signedAt: date.toISOString(), ...(spec.bases.length ? { baseSpecs } : {}), ...relatedState(related) };
    ctx.logger.info('deb: resolved', { resource: id, packages: selection.packages.length, forDependents: dependents?.needed.length ?? 0, udebs: selection.udebs.length, sources: selection.sources.length, files: files.length, indexRequests: requests, unchanged });
    return { files, upstream, warnings: selection.warnings, scratch };
  },

  /**
   * At once when the site signing key, the Valid-Until policy or the trusted keys (of the mirror
   * or its bases) changed since the entry was published; else halfway through its Release's
   * validity; never when Releases do not expire.
   */
  async revisitAt(resource, spec, ctx) {
    const prev = ctx.previous?.upstream;
    if (!prev) return undefined;
    if (await signingChanged(ctx, prev)) return 0;
    const trusted = (state: UpstreamState | undefined, s: DebSpec) => state?.trust === undefined || state.trust === trustDigest(s, ctx.desired.site);
    if (!trusted(prev.self, spec)) return 0;
    for (const name of spec.bases) if (!trusted(prev.bases?.[name], baseSpec(ctx, resourceId(resource), name).spec)) return 0;
    // A mirror built on this one changed (or appeared): what it needs from this upstream may have too.
    const relatedSpecs = spec.full ? {} : Object.fromEntries(relatedMirrors(ctx, resource.name).map((r) => [r.name, r.hash]));
    if (canonicalJson(relatedSpecs) !== canonicalJson(prev.relatedSpecs ?? {})) return 0;
    return renewAt(prev, siteOf(ctx).valid_until_days);
  },

  async generate(resource, spec, resolution, ctx) {
    const scratch = resolution.scratch ?? (await debDriver.resolve(resource, spec, ctx)).scratch;
    if (!scratch) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: resolve gave generate nothing to work with`, { resource: resourceId(resource) });
    if ('reuse' in scratch) return { files: scratch.reuse.map((f) => storedFile(f)) };
    const site = siteOf(ctx);
    const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.signing?.key_file, siteName: site.name });
    if ('resign' in scratch) return { files: await resignDists({ files: scratch.resign, read: (sha) => readFile(ctx.blobs.pathOf(sha), 'utf8'), key, date: scratch.date, validUntilDays: site.valid_until_days }) };
    const { catalog, selection } = scratch;
    const texts = new Map<DebPackage | DebSource, string>();
    const byIndex = new Map<string, Array<DebPackage | DebSource>>();
    for (const item of [...selection.packages, ...selection.udebs, ...selection.sources]) {
      const l = byIndex.get(item.index);
      if (l) l.push(item);
      else byIndex.set(item.index, [item]);
    }
    for (const [index, items] of byIndex) {
      const ref = catalog.indexes.get(index);
      if (!ref) throw new FerryError('FERRY_INTERNAL', `index ${index} missing from the catalog`);
      const got = await extractStanzas(ctx.blobs.pathOf(ref.blob), ref.compression, items.map((it) => it.ordinal), ctx.signal);
      items.forEach((it, i) => texts.set(it, got[i]));
    }
    const out = await publishDists({
      resource: resource.name,
      url: redactUrl(spec.url),
      flat: spec.flat,
      components: spec.components,
      architectures: spec.architectures,
      suites: catalog.suites,
      packages: selection.packages,
      udebs: selection.udebs,
      sources: selection.sources,
      stanza: (item) => texts.get(item)!,
      key,
      date: scratch.date,
      validUntilDays: site.valid_until_days,
      signal: ctx.signal,
    });
    return keepByHash(out, resolution, scratch.previousByHash, ctx, site.retention ?? 10);
  },
};

/** A generated file of an earlier generation, taken from the store as it is. */
function storedFile(f: ManifestFile): GeneratedFile {
  return { path: f.path, content: new Uint8Array(0), stored: { sha256: f.sha256, size: f.size } };
}

/**
 * Adds the by-hash files of earlier generations (from the blob store) for `retention`
 * generations; returns them with the upstream state to persist (its by-hash history updated).
 */
async function keepByHash(out: GeneratedFile[], resolution: Resolution<DebScratch, DebUpstream>, previous: ManifestFile[], ctx: DebContext, retention: number): Promise<Generated<DebUpstream>> {
  const current = out.filter((f) => isByHash(f.path)).map((f) => f.path);
  const have = new Set(out.map((f) => f.path));
  const upstream: DebUpstream = resolution.upstream ?? {};
  const history = upstream.byHash;
  const keep = history ? new Set(history.slice(0, Math.max(0, retention - 1)).flat()) : undefined;
  for (const f of previous) {
    if (have.has(f.path)) continue;
    if (keep && !keep.has(f.path)) continue;
    if (!(await ctx.blobs.has(f.sha256))) continue;
    out.push(storedFile(f));
    have.add(f.path);
  }
  const same = history?.[0] && history[0].length === current.length && history[0].every((p, i) => p === current[i]);
  return { files: out, upstream: { ...upstream, byHash: same ? history : [current, ...(history ?? [])].slice(0, retention) } };
}
