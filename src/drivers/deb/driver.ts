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
import { sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import { resourceId, type Resource } from '../../core/resource.js';
import { safeRelativePath } from '../../core/safe-path.js';
import type { ManifestFile } from '../../store/types.js';
import type { Driver, DriverContext, GeneratedFile, Resolution, WantedFile } from '../types.js';
import { checkReleases, loadCatalog, type Catalog, type ReleaseSet } from './catalog.js';
import { extractStanzas } from './index-reader.js';
import type { DebPackage } from './format/package.js';
import { publishDists } from './publish.js';
import { selectPackages, type Selection } from './select.js';
import { siteKeyPath, siteSigningKey } from '../../pgp/site-key.js';
import type { DebSource } from './format/sources.js';
import { normalizeSpec, type DebSpec } from './spec.js';
import { suiteBase, type UpstreamState } from './upstream.js';

interface DebUpstream {
  self?: UpstreamState;
  bases?: Record<string, UpstreamState>;
  /** by-hash paths of the last generations, newest first (kept for `site.retention`). */
  byHash?: string[][];
  /** What the generated files were signed with: a change means they cannot be reused. */
  signing?: string;
  /** sha256 of the signing key file `signing` was read from (to know it without parsing the key). */
  signingFile?: string;
  /** Spec hash of each base mirror: the selection depends on them too. */
  baseSpecs?: Record<string, string>;
  [key: string]: unknown;
}

interface DebScratch {
  spec: DebSpec;
  catalog: Catalog;
  selection: Selection;
  /** Previous generated files to publish again (nothing changed). */
  reuse?: ManifestFile[];
  /** by-hash files of the published snapshot (generate is not given ctx.previous). */
  previousByHash: ManifestFile[];
  requests: number;
}

interface DebSite {
  name: string;
  retention?: number;
  signing?: { key_file?: string };
  valid_until_days?: number;
}

function siteOf(ctx: DriverContext): DebSite {
  const s = ctx.desired.site;
  const signing = typeof s.signing === 'object' && s.signing !== null ? (s.signing as { key_file?: unknown }) : undefined;
  return {
    name: s.name,
    retention: s.retention,
    signing: typeof signing?.key_file === 'string' ? { key_file: signing.key_file } : undefined,
    valid_until_days: typeof s.valid_until_days === 'number' ? s.valid_until_days : undefined,
  };
}

/**
 * The signing key's fingerprint and the Valid-Until policy: what the signed files depend on
 * besides the packages. The key file's digest tells whether the key is the one `prev` recorded;
 * only a new key is parsed (openpgp.js) or, when the site has none yet, generated.
 */
async function signingIdentity(ctx: DriverContext, prev: DebUpstream): Promise<{ signing: string; signingFile?: string }> {
  const site = siteOf(ctx);
  const days = Number(site.valid_until_days ?? 0);
  const path = site.signing?.key_file ?? siteKeyPath(ctx.stateDir);
  const bytes = await readFile(path).catch(() => undefined);
  const signingFile = bytes ? sha256Hex(bytes) : undefined;
  const known = signingFile !== undefined && prev.signingFile === signingFile && prev.signing?.split('/')[0];
  if (known) return { signing: `${known}/${days}`, signingFile };
  const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.signing?.key_file, siteName: site.name });
  const written = signingFile ?? (await readFile(path).then(sha256Hex, () => undefined));
  return { signing: `${key.fingerprint}/${days}`, signingFile: written };
}

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

function baseSpec(ctx: DriverContext, resource: string, name: string): { spec: DebSpec; res: Resource } {
  const res = ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === name);
  if (!res) throw new FerryError('FERRY_INVALID_MODEL', `${resource}: base ${name} is not a deb mirror of this site`, { resource, path: 'bases', actual: name });
  return { spec: { ...normalizeSpec(res), withSources: false, withUdebs: false }, res };
}

/** The pool files of the previous entry, as wanted files again (upstream URL = mirror URL + path, as wantedFiles builds them). */
function previousWanted(spec: DebSpec, files: readonly ManifestFile[]): WantedFile[] {
  const out: WantedFile[] = [];
  for (const f of files) if (!f.generated) out.push({ path: f.path, url: `${spec.url}/${f.path}`, sha256: f.sha256, size: f.size });
  return out;
}

async function previousReusable(ctx: DriverContext): Promise<ManifestFile[] | undefined> {
  const gen = ctx.previous?.files.filter((f) => f.generated);
  if (!gen?.length) return undefined;
  for (const f of gen) if (!(await ctx.blobs.has(f.sha256))) return undefined;
  return gen;
}

export const debDriver: Driver = {
  kind: 'deb',
  generatesFromIndexes: true,

  async resolve(resource: Resource, ctx: DriverContext): Promise<Resolution> {
    const id = resourceId(resource);
    const spec = normalizeSpec(resource);
    const prev = (ctx.previous?.upstream ?? {}) as DebUpstream;
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
    const sameBases = spec.bases.every((name) => prev.baseSpecs?.[name] === baseSpecs[name]);
    const unchanged = releases.unchanged && baseReleases.every((b) => b.releases.unchanged);
    const { signing, signingFile } = await signingIdentity(ctx, prev);
    let requests = releases.requests + baseReleases.reduce((n, b) => n + b.releases.requests, 0);
    // Nothing changed upstream, in the spec or in the key: the published entry stands as it is.
    if (unchanged && sameSpec && sameBases && prev.signing === signing && (await previousReusable(ctx))) {
      ctx.logger.info('deb: upstream unchanged', { resource: id, indexRequests: requests });
      return { files: previousWanted(spec, ctx.previous?.files ?? []), upstream: { ...prev, self: releases.upstream, bases, signingFile }, unchanged: true };
    }
    const catalog = await loadCatalog(ctx, { mirror: resource.name, spec, previous: prev.self, offline, filter: spec.filterQuery, releases });
    requests += catalog.requests - releases.requests;
    const basePackages: DebPackage[] = [];
    for (const b of baseReleases) {
      const c = await loadCatalog(ctx, { mirror: b.name, spec: b.spec, previous: prev.bases?.[b.name], offline, releases: b.releases });
      basePackages.push(...c.packages);
      requests += c.requests - b.releases.requests;
    }
    const selection = selectPackages({ resource: resource.name, spec, packages: catalog.packages, udebs: catalog.udebs, sources: catalog.sources, matched: catalog.matched, basePackages });
    const files = wantedFiles(id, spec, selection);
    for (const w of selection.warnings) ctx.logger.warn(w.message, { resource: id, code: w.code });
    const reuse = unchanged && sameSpec && sameBases && prev.signing === signing ? await previousReusable(ctx) : undefined;
    const previousByHash = (ctx.previous?.files ?? []).filter((f) => f.generated && isByHash(f.path));
    const scratch: DebScratch = { spec, catalog, selection, reuse, requests, previousByHash };
    const upstream: DebUpstream = { self: catalog.upstream, bases, byHash: prev.byHash, signing, signingFile, ...(spec.bases.length ? { baseSpecs } : {}) };
    ctx.logger.info('deb: resolved', { resource: id, packages: selection.packages.length, udebs: selection.udebs.length, sources: selection.sources.length, files: files.length, indexRequests: requests, unchanged });
    return { files, upstream, warnings: selection.warnings, scratch };
  },

  async generate(resource: Resource, resolution: Resolution, ctx: DriverContext): Promise<GeneratedFile[]> {
    const scratch = (resolution.scratch as DebScratch | undefined) ?? ((await debDriver.resolve(resource, ctx)).scratch as DebScratch);
    if (scratch.reuse) return scratch.reuse.map((f) => storedFile(f));
    const { spec, catalog, selection } = scratch;
    const site = siteOf(ctx);
    const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.signing?.key_file, siteName: site.name });
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
      validUntilDays: Number(site.valid_until_days ?? 0),
      signal: ctx.signal,
    });
    return keepByHash(out, resolution, scratch.previousByHash, ctx, site.retention ?? 10);
  },
};

/** A generated file of an earlier generation, taken from the store as it is. */
function storedFile(f: ManifestFile): GeneratedFile {
  return { path: f.path, content: new Uint8Array(0), stored: { sha256: f.sha256, size: f.size } };
}

/** Adds the by-hash files of earlier generations (from the blob store) for `retention` generations. */
async function keepByHash(out: GeneratedFile[], resolution: Resolution, previous: ManifestFile[], ctx: DriverContext, retention: number): Promise<GeneratedFile[]> {
  const current = out.filter((f) => isByHash(f.path)).map((f) => f.path);
  const have = new Set(out.map((f) => f.path));
  const upstream = (resolution.upstream ?? {}) as DebUpstream;
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
  upstream.byHash = same ? history : [current, ...(history ?? [])].slice(0, retention);
  resolution.upstream = upstream;
  return out;
}
