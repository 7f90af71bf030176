/**
 * The `rpm` kind: RPM repositories (repodata), full or partial, served under `/rpm/<name>/` for
 *
 *   [name]  baseurl=http://host:port/rpm/<name>/  repo_gpgcheck=1
 *           gpgkey=http://host:port/rpm/<name>/repodata/repomd.xml.key (plus upstream's package key)
 *
 * resolve: repomd.xml (asked conditionally on a refresh) verified with the mirror's keys, every
 * data file checked against its checksums, primary streamed into packages; a partial mirror
 * takes the named packages and their closure across its bases (filelists read only when a file
 * dependency is not met from primary). The wanted files are the packages (and a full mirror's
 * data files) at upstream's paths.
 * generate: publish.ts (upstream's repomd.xml as it is, or new metadata for the chosen
 * packages), signed with the site key. An unchanged upstream, spec and key reuse the previous
 * snapshot's generated files.
 */
import { readFile } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import { resourceId, type Resource } from '../../core/resource.js';
import { siteKeyPath, siteSigningKey } from '../../pgp/site-key.js';
import type { ManifestFile } from '../../store/types.js';
import type { Driver, DriverContext, GeneratedFile, WantedFile } from '../types.js';
import { fileOwners, loadCatalog, pickRecords, type Catalog } from './catalog.js';
import { RpmUniverse } from './closure.js';
import { dataOf, type Repomd } from './format/repomd.js';
import type { RpmPackage } from './format/primary.js';
import { keptAsIs, publishPartial, repomdDate, signatureFiles, REWRITTEN } from './publish.js';
import { selectPackages, type Selection } from './select.js';
import { normalizeSpec, type RpmSpec } from './spec.js';
import { checkRepo, fetchData, REPOMD, type RepoCheck, type RepoState } from './upstream.js';

/** What an rpm mirror keeps for its next refresh (plain JSON, in the manifest). */
export interface RpmUpstream {
  self?: RepoState;
  bases?: Record<string, RepoState>;
  /** Spec hash of each base mirror: the closure depends on them too. */
  baseSpecs?: Record<string, string>;
  /** sha256 of the site signing key file the metadata was signed with. */
  signingFile?: string;
  [key: string]: unknown;
}

export type RpmScratch =
  | { reuse: ManifestFile[] }
  | { full: true; repomd: Buffer; parsed: Repomd }
  | { full: false; catalog: Catalog; selected: RpmPackage[] };

type RpmContext = DriverContext<RpmUpstream>;

interface SiteSigning {
  name: string;
  keyFile?: string;
}

function siteOf(ctx: RpmContext): SiteSigning {
  const s = ctx.desired.site;
  const signing = typeof s.signing === 'object' && s.signing !== null ? (s.signing as { key_file?: unknown }) : undefined;
  return { name: s.name, keyFile: typeof signing?.key_file === 'string' ? signing.key_file : undefined };
}

/** The digest of the site key file (generated on first use), without parsing the key. */
async function signingFileOf(ctx: RpmContext): Promise<string> {
  const site = siteOf(ctx);
  const path = site.keyFile ?? siteKeyPath(ctx.stateDir);
  let bytes = await readFile(path).catch(() => undefined);
  if (!bytes) {
    await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.keyFile, siteName: site.name });
    bytes = await readFile(path);
  }
  return sha256Hex(bytes);
}

function baseSpec(ctx: RpmContext, resource: string, name: string): { spec: RpmSpec; res: Resource } {
  const res = ctx.desired.resources.find((r) => r.kind === 'rpm' && r.name === name);
  if (!res) throw new FerryError('FERRY_INVALID_MODEL', `${resource}: base ${name} is not an rpm mirror of this site`, { resource, field: 'bases', actual: name });
  return { spec: normalizeSpec(res.spec, resourceId(res)), res };
}

/** The wanted files of the previous entry again (upstream URL = mirror URL + path). */
function previousWanted(spec: RpmSpec, files: readonly ManifestFile[]): WantedFile[] {
  return files.filter((f) => !f.generated).map((f) => ({ path: f.path, url: `${spec.url}/${f.path}`, sha256: f.sha256, size: f.size }));
}

async function previousReusable(ctx: RpmContext): Promise<ManifestFile[] | undefined> {
  const gen = ctx.previous?.files.filter((f) => f.generated);
  if (!gen?.length) return undefined;
  for (const f of gen) if (!(await ctx.blobs.has(f.sha256))) return undefined;
  return gen;
}

class WantedSet {
  private readonly byPath = new Map<string, WantedFile>();
  constructor(
    private readonly resource: string,
    private readonly url: string,
  ) {}
  add(path: string, sha256: string, size: number | undefined, what: string): void {
    const other = this.byPath.get(path);
    if (other && other.sha256 !== sha256) throw new FerryError('FERRY_BAD_INDEX', `${this.resource}: two different files claim ${path} (${what})`, { resource: this.resource, path, expected: other.sha256, actual: sha256 });
    this.byPath.set(path, { path, url: `${this.url}/${path}`, sha256, size: size !== undefined && size >= 0 ? size : undefined });
  }
  sorted(): WantedFile[] {
    return [...this.byPath.keys()].sort().map((p) => this.byPath.get(p)!);
  }
}

function packageFile(set: WantedSet, resource: string, url: string, p: RpmPackage): void {
  if (p.checksumType !== 'sha256') {
    const where = redactUrl(`${url}/${REPOMD}`);
    throw new FerryError('FERRY_BAD_INDEX', `${resource}: ${where}: package ${p.name} has a ${p.checksumType} checksum; Ferry verifies packages by sha256 (createrepo_c --checksum sha256)`, { resource, url: where, package: p.name, field: 'checksum', actual: p.checksumType });
  }
  set.add(p.href, p.pkgid, p.size, `package ${p.name}`);
}

/** Adds upstream data files (kept as they are) to the wanted set, each checked by repomd's checksum. */
async function dataFiles(ctx: RpmContext, set: WantedSet, resource: string, url: string, repomd: Repomd, keep: (type: string) => boolean): Promise<void> {
  for (const d of repomd.data) {
    if (!keep(d.type)) continue;
    const sha = d.checksum.type === 'sha256' ? d.checksum.value : await fetchData(ctx, url, d, resource);
    set.add(d.href, sha, d.size, `${d.type} metadata`);
  }
}

/** The selection of a partial mirror, reading filelists while file dependencies remain unmet. */
async function partialSelection(ctx: RpmContext, resource: string, spec: RpmSpec, catalogs: Catalog[]): Promise<Selection> {
  const universe = new RpmUniverse(catalogs.flatMap((c) => c.packages));
  const looked = new Set<string>();
  for (;;) {
    const sel = selectPackages({ resource, spec, universe });
    const fresh = (sel.closure?.missingFiles ?? []).filter((f) => !looked.has(f));
    if (!fresh.length) return sel;
    for (const f of fresh) looked.add(f);
    for (const c of catalogs) {
      const owners = await fileOwners(ctx, { resource, catalog: c, paths: new Set(fresh) });
      for (const [path, pkgs] of owners) universe.addFileOwners(path, pkgs);
    }
    ctx.logger.info('rpm: file dependencies looked up in filelists', { resource, paths: fresh.length });
  }
}

export const rpmDriver: Driver<RpmSpec, RpmScratch, RpmUpstream> = {
  kind: 'rpm',
  generatesFromIndexes: true,

  async resolve(resource, spec, ctx) {
    const id = resourceId(resource);
    const prev: RpmUpstream = ctx.previous?.upstream ?? {};
    const sameSpec = ctx.previous?.hash === resource.hash;
    const offline = !ctx.refresh && sameSpec;
    const self = await checkRepo(ctx, { resource: id, url: spec.url, keys: spec.keys, previous: prev.self, offline });
    const bases: Array<{ name: string; spec: RpmSpec; check: RepoCheck }> = [];
    const baseSpecs: Record<string, string> = {};
    for (const name of spec.packages ? spec.bases : []) {
      const b = baseSpec(ctx, id, name);
      baseSpecs[name] = b.res.hash;
      bases.push({ name, spec: b.spec, check: await checkRepo(ctx, { resource: `rpm/${name}`, url: b.spec.url, keys: b.spec.keys, previous: prev.bases?.[name], offline }) });
    }
    const signingFile = await signingFileOf(ctx);
    const upstream: RpmUpstream = {
      self: self.state,
      ...(bases.length ? { bases: Object.fromEntries(bases.map((b) => [b.name, b.check.state])), baseSpecs } : {}),
      signingFile,
    };
    const unchanged = self.unchanged && bases.every((b) => b.check.unchanged) && canonicalJson(prev.baseSpecs ?? {}) === canonicalJson(upstream.baseSpecs ?? {}) && prev.signingFile === signingFile;
    const reusable = unchanged && sameSpec ? await previousReusable(ctx) : undefined;
    if (reusable) {
      const files = previousWanted(spec, ctx.previous?.files ?? []);
      ctx.logger.info('rpm: upstream unchanged', { resource: id });
      if (canonicalJson(prev) === canonicalJson(upstream)) return { files, upstream, unchanged: true };
      return { files, upstream, scratch: { reuse: reusable } };
    }
    const { bytes, parsed } = await self.repomd();
    const set = new WantedSet(id, spec.url);
    const catalog = await loadCatalog(ctx, { resource: id, mirror: id, url: spec.url, repomd: parsed, repomdUrl: `${spec.url}/${REPOMD}` });
    if (!spec.packages) {
      await dataFiles(ctx, set, id, spec.url, parsed, () => true);
      for (const p of catalog.packages) packageFile(set, id, spec.url, p);
      ctx.logger.info('rpm: resolved', { resource: id, packages: catalog.packages.length, full: true });
      return { files: set.sorted(), upstream, scratch: { full: true, repomd: bytes, parsed } };
    }
    const catalogs = [catalog];
    for (const b of bases) {
      const md = (await b.check.repomd()).parsed;
      catalogs.push(await loadCatalog(ctx, { resource: `rpm/${b.name}`, mirror: `rpm/${b.name}`, url: b.spec.url, repomd: md, repomdUrl: `${b.spec.url}/${REPOMD}` }));
    }
    const selection = await partialSelection(ctx, id, spec, catalogs);
    for (const p of selection.packages) packageFile(set, id, spec.url, p);
    await dataFiles(ctx, set, id, spec.url, parsed, keptAsIs);
    ctx.logger.info('rpm: resolved', { resource: id, packages: selection.packages.length, fromBases: selection.closure?.fromBases.length ?? 0, unresolved: selection.warnings.length });
    return { files: set.sorted(), upstream, warnings: selection.warnings, scratch: { full: false, catalog, selected: selection.packages } };
  },

  async generate(resource, spec, resolution, ctx) {
    const id = resourceId(resource);
    const scratch = resolution.scratch ?? (await rpmDriver.resolve(resource, spec, ctx)).scratch;
    if (!scratch) throw new FerryError('FERRY_INTERNAL', `${id}: resolve gave generate nothing to work with`, { resource: id });
    if ('reuse' in scratch) return { files: scratch.reuse.map((f): GeneratedFile => ({ path: f.path, content: new Uint8Array(0), stored: { sha256: f.sha256, size: f.size } })) };
    const site = siteOf(ctx);
    const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.keyFile, siteName: site.name });
    if (scratch.full) return { files: [{ path: REPOMD, content: scratch.repomd }, ...(await signatureFiles(scratch.repomd, key, repomdDate(scratch.parsed)))] };
    const { catalog, selected } = scratch;
    const ordinals = new Set(selected.map((p) => p.ordinal));
    const pkgids = new Set(selected.map((p) => p.pkgid));
    const documents = [];
    for (const type of REWRITTEN) {
      const data = dataOf(catalog.repomd, type);
      if (!data) continue;
      const blob = type === 'primary' ? catalog.primary : await fetchData(ctx, spec.url, data, id);
      const picked = await pickRecords(ctx, { resource: id, url: spec.url, data, blob, ...(type === 'primary' ? { ordinals } : { pkgids }) });
      documents.push({ type, ...picked });
    }
    return { files: await publishPartial({ upstream: catalog.repomd, documents, key }) };
  },
};
