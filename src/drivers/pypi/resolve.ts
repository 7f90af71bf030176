/**
 * Resolving a pypi mirror: the requirements it names (projects, requirements files, or the
 * upstream's whole project list narrowed by allow/deny), every version each admits, then with
 * `with_deps` the dependencies of every mirrored version (Requires-Dist with markers evaluated
 * for each Python version, platform and requested extra), each at the newest version pip would
 * choose (the core metadata of the wheels it reads is kept; generate reads the others' from the
 * downloaded wheels, to serve as PEP 658 files). Every failure is
 * collected, each a FerryError naming the mirror, project, file and URL; any failure fails the
 * mirror (nothing of it is published).
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import PQueue from 'p-queue';
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { modelPath } from '../../core/model-path.js';
import { resourceId, type Resource } from '../../core/resource.js';
import type { DriverContext, WantedFile } from '../types.js';
import { admitted, candidates, matchesAny, newestFor, unsafeFilename, type Candidate } from './choose.js';
import { parseCoreMetadata } from './metadata.js';
import { normalizeName } from './name.js';
import { evaluateMarker, markerEnvironment, type MarkerEnvironment, type Requirement } from './requirement.js';
import { isUrlInclude, parseRequirementsFile } from './requirements-file.js';
import type { ServedProject } from './simple-pages.js';
import { formatSpecifierSet, type SpecifierSet } from './specifier.js';
import type { PypiSpec } from './spec.js';
import { sdistRequiresDistTrusted } from './sdist.js';
import { adoptByDigest, ensureFile, fetchProjectList, fetchProjectPage, fetchText, metadataFromWheelFile, OTHER_DIGESTS, projectUrl, rangedWheelMetadata, sdistPkgInfo, wheelMetadata, type FetchedPage } from './upstream.js';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** What a pypi mirror keeps for its next refresh. */
export interface PypiUpstream {
  /** Normalized project (`` for the project list) -> sha256 of its page. */
  pages: Record<string, string>;
  /** Requirements/constraints file URL -> sha256. */
  sources: Record<string, string>;
  /** Wheel sha256 (or URL, for a wheel the index gives no sha256 for) -> its core metadata in the blob store. */
  metadata: Record<string, StoredBlob>;
  /** `md5:<hex>` (a digest other than sha256 an index gave) -> the sha256 of the file checked against it. */
  digests?: Record<string, string>;
  /** What the plan says about the mirror: dependencies not followed, by name. */
  notes?: string[];
}

export interface PypiScratch {
  projects: ServedProject[];
}

export interface PypiResolution {
  files: WantedFile[];
  upstream: PypiUpstream;
  scratch: PypiScratch;
  warnings: FerryError[];
  notes?: string[];
  unchanged?: boolean;
}

const DEFAULT_PYTHONS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];
type Platform = { system: 'Linux' | 'Windows' | 'Darwin'; machine: string };
const DEFAULT_PLATFORMS: Platform[] = [
  { system: 'Linux', machine: 'x86_64' },
  { system: 'Linux', machine: 'aarch64' },
  { system: 'Windows', machine: 'AMD64' },
  { system: 'Darwin', machine: 'arm64' },
  { system: 'Darwin', machine: 'x86_64' },
];

/** The marker platforms of the spec's platform tags (all common ones when it names none but `any`). */
function platformsOf(tags: readonly string[] | undefined): Platform[] {
  const out = new Map<string, Platform>();
  for (const t of tags ?? []) {
    let m = /^(?:many|musl)?linux[^_]*(?:_\d+_\d+)?_(.+)$/.exec(t);
    if (m && !m[1].includes('*')) out.set(`L${m[1]}`, { system: 'Linux', machine: m[1] });
    m = /^win_?(.*)$/.exec(t);
    if (m) out.set(`W${m[1]}`, { system: 'Windows', machine: m[1] === 'amd64' ? 'AMD64' : m[1] === 'arm64' ? 'ARM64' : m[1] === '' || m[1] === '32' ? 'x86' : m[1] });
    m = /^macosx_\d+_\d+_(.+)$/.exec(t);
    if (m && !m[1].includes('*')) out.set(`D${m[1]}`, { system: 'Darwin', machine: m[1] });
  }
  return out.size > 0 ? [...out.values()] : DEFAULT_PLATFORMS;
}

interface Wanted {
  norm: string;
  set: SpecifierSet;
  extras: string[];
  /** From the spec (every admitted version) or a dependency (the newest per Python). */
  root: boolean;
  /** For a dependency: the Python versions its marker holds for. */
  pythons?: string[];
  /** Where it came from, for messages. */
  from: string;
  /** `--pre` in its requirements file. */
  pre?: boolean;
  /** `--hash` options (algorithm -> digests): only the files they name are kept. */
  hashes?: Record<string, string[]>;
}

class Resolver {
  readonly id: string;
  readonly pages = new Map<string, Promise<FetchedPage>>();
  readonly chosen = new Map<string, Map<string, Candidate>>();
  readonly names = new Map<string, string>();
  readonly constraints = new Map<string, SpecifierSet[]>();
  readonly sources: Record<string, string> = {};
  readonly metadata: Record<string, StoredBlob> = {};
  readonly digests: Record<string, string> = {};
  readonly shas = new Map<string, Promise<string>>();
  readonly notes: string[] = [];
  readonly metadataText = new Map<string, Promise<string>>();
  readonly errors: FerryError[] = [];
  readonly warnings: FerryError[] = [];
  readonly seen = new Set<string>();
  readonly followed = new Set<string>();
  readonly queue = new PQueue({ concurrency: 16 });
  readonly pythons: string[];
  readonly envs: MarkerEnvironment[];

  constructor(
    readonly resource: Resource,
    readonly spec: PypiSpec,
    readonly ctx: DriverContext<Partial<PypiUpstream>>,
  ) {
    this.id = resourceId(resource);
    this.pythons = spec.pythonVersions ?? DEFAULT_PYTHONS;
    this.envs = this.pythons.flatMap((py) => platformsOf(spec.platforms).map((p) => markerEnvironment(py, p)));
  }

  page(norm: string): Promise<FetchedPage> {
    let p = this.pages.get(norm);
    if (!p) {
      p = fetchProjectPage(this.ctx, this.id, this.spec.indexUrl, norm);
      p.catch(() => undefined);
      this.pages.set(norm, p);
    }
    return p;
  }

  /** Requirements files (and the files they include), constraints apart. */
  async readSources(): Promise<Wanted[]> {
    const wanted: Wanted[] = [];
    const visited = new Set<string>();
    type Source = { url?: string; path?: string; text?: string; sha256?: string };
    const read = async (src: Source, constraints: boolean, depth: number): Promise<void> => {
      const where = src.url ?? src.path ?? 'requirements text';
      if (depth > 10) throw new FerryError('FERRY_INVALID_MODEL', `${this.id}: requirements files include each other more than 10 deep (${where})`, { resource: this.id, url: src.url, file: src.path });
      let text = src.text ?? '';
      if (src.url) {
        if (visited.has(src.url)) return;
        visited.add(src.url);
        const got = await fetchText(this.ctx, this.id, src.url, src.sha256);
        this.sources[src.url] = got.digest;
        text = got.text;
      } else if (src.path !== undefined) {
        if (visited.has(`path:${src.path}`)) return;
        visited.add(`path:${src.path}`);
        // Inlined by the desired stage (desired/model-files.ts) with everything it includes.
        const file = this.spec.modelFiles[src.path];
        if (!file) throw new FerryError('FERRY_INTERNAL', `${this.id}: the model file ${src.path} was not put into the spec (model_files)`, { resource: this.id, file: src.path });
        text = file.text;
      }
      const parsed = parseRequirementsFile(text);
      const at = (line: number) => (src.path !== undefined ? { file: src.path, line } : { url: src.url, line });
      for (const e of parsed.errors) this.errors.push(new FerryError('FERRY_INVALID_MODEL', `${this.id}: ${where} line ${e.line}: ${e.message}`, { resource: this.id, ...at(e.line) }));
      for (const o of parsed.ignored) this.warnings.push(new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${this.id}: ${where} line ${o.line}: ${o.option} ignored (${o.why})`, { resource: this.id, ...at(o.line) }));
      for (const { requirement: r, hashes, line } of parsed.requirements) {
        const norm = normalizeName(r.name);
        if (!this.markerHolds(r)) {
          this.notes.push(`${r.name} (${where} line ${line}) not mirrored: its marker holds for none of the mirror's python_versions and platforms`);
          continue;
        }
        if (constraints) this.constraints.set(norm, [...(this.constraints.get(norm) ?? []), r.specifier]);
        else wanted.push({ norm, set: r.specifier, extras: r.extras, root: true, from: `${where} line ${line}`, ...(parsed.pre ? { pre: true } : {}), ...(Object.keys(hashes).length ? { hashes } : {}) });
        this.names.set(norm, this.names.get(norm) ?? r.name);
      }
      for (const inc of parsed.includes) {
        const kind = constraints || inc.kind === 'constraints';
        if (src.path !== undefined && !isUrlInclude(inc.path)) {
          // Within the model's folder, relative to this file, as the desired stage inlined it (and refused the rest).
          const p = modelPath(inc.path, posix.dirname(src.path));
          if ('path' in p) await read({ path: p.path }, kind, depth + 1);
          else this.errors.push(new FerryError('FERRY_INVALID_MODEL', `${this.id}: ${where} line ${inc.line}: ${JSON.stringify(inc.path)} ${p.refused}; refused`, { resource: this.id, file: src.path, line: inc.line }));
          continue;
        }
        let url: string;
        try {
          url = new URL(inc.path, src.url).toString();
        } catch {
          this.errors.push(new FerryError('FERRY_INVALID_MODEL', `${this.id}: ${where} line ${inc.line}: ${inc.path} is relative to a file with no URL`, { resource: this.id, line: inc.line }));
          continue;
        }
        await read({ url }, kind, depth + 1);
      }
    };
    for (const s of this.spec.requirements) await read(s, false, 0);
    for (const s of this.spec.constraints) await read(s, true, 0);
    return wanted;
  }

  /** A requirement's marker holds for one of the mirror's Python versions and platforms (pip skips one that holds for none). */
  markerHolds(r: Requirement): boolean {
    if (!r.marker) return true;
    return this.envs.some((env) => {
      try {
        return evaluateMarker(r.marker!, { ...env, extra: '' });
      } catch {
        return true;
      }
    });
  }

  async roots(): Promise<Wanted[]> {
    for (const r of this.spec.projects) if (!this.markerHolds(r)) this.notes.push(`${r.name} (projects) not mirrored: its marker holds for none of the mirror's python_versions and platforms`);
    const wanted: Wanted[] = this.spec.projects.filter((r) => this.markerHolds(r)).map((r: Requirement) => ({ norm: normalizeName(r.name), set: r.specifier, extras: r.extras, root: true, from: 'projects' }));
    for (const r of this.spec.projects) this.names.set(normalizeName(r.name), r.name);
    wanted.push(...(await this.readSources()));
    if (this.spec.allProjects) {
      const list = await fetchProjectList(this.ctx, this.id, this.spec.indexUrl);
      this.sources[this.spec.indexUrl] = list.digest;
      for (const name of list.names) {
        const norm = normalizeName(name);
        if (this.spec.allow.length > 0 && !matchesAny(norm, this.spec.allow)) continue;
        this.names.set(norm, this.names.get(norm) ?? name);
        wanted.push({ norm, set: { specifiers: [] }, extras: [], root: true, from: 'the project list' });
      }
    }
    return wanted.filter((w) => !matchesAny(w.norm, this.spec.deny));
  }

  /** The page's candidates, every file name checked first (a hostile index fails the mirror). */
  async candidates(norm: string): Promise<Candidate[]> {
    const { page } = await this.page(norm);
    for (const f of page.files) {
      const why = unsafeFilename(f.filename);
      if (why) throw new FerryError('FERRY_UNSAFE_PATH', `${this.id}: project ${norm}: file name ${JSON.stringify(f.filename)} ${why} (${f.url}); refused`, { resource: this.id, project: norm, file: f.filename, url: f.url });
    }
    return candidates(norm, page.files, this.spec);
  }

  async want(w: Wanted): Promise<void> {
    const key = `${w.norm} ${formatSpecifierSet(w.set)} ${w.extras.join(',')} ${w.root ? '' : (w.pythons ?? []).join(',')} ${w.pre ? 'pre' : ''} ${JSON.stringify(w.hashes ?? {})}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (matchesAny(w.norm, this.spec.deny)) {
      this.warnings.push(new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${this.id}: ${w.norm} (${w.from}) is denied: left out`, { resource: this.id, project: w.norm }));
      return;
    }
    const cands = await this.candidates(w.norm);
    const constraints = this.constraints.get(w.norm) ?? [];
    const pre = this.spec.prereleases || w.pre === true;
    let files = w.root ? admitted(cands, w.set, constraints, pre) : newestFor(cands, w.set, constraints, pre, w.pythons ?? this.pythons);
    if (w.hashes) {
      // pip's hash-checking mode installs only the files whose digest a --hash gives.
      const given = w.hashes;
      files = files.filter((c) => Object.entries(given).some(([algo, digests]) => c.file.hashes[algo] !== undefined && digests.includes(c.file.hashes[algo])));
      if (files.length === 0) {
        const url = projectUrl(this.spec.indexUrl, w.norm);
        throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${this.id}: project ${w.norm}${formatSpecifierSet(w.set) ? ` ${formatSpecifierSet(w.set)}` : ''} (${w.from}): no file at ${url} has a digest its --hash options give (${this.describeFilter()})`, { resource: this.id, project: w.norm, url });
      }
    }
    if (files.length === 0) {
      if (w.root && this.spec.allProjects && w.from === 'the project list') return;
      const url = projectUrl(this.spec.indexUrl, w.norm);
      throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `${this.id}: project ${w.norm}${formatSpecifierSet(w.set) ? ` ${formatSpecifierSet(w.set)}` : ''} (${w.from}): no file at ${url} fits (${this.describeFilter()})`, { resource: this.id, project: w.norm, url });
    }
    const mine = this.chosen.get(w.norm) ?? new Map<string, Candidate>();
    this.chosen.set(w.norm, mine);
    const versions = new Map<string, Candidate[]>();
    for (const c of files) {
      mine.set(c.file.filename, c);
      versions.set(c.version, [...(versions.get(c.version) ?? []), c]);
    }
    if (!this.spec.withDeps) return;
    await Promise.all([...versions].map(([version, cs]) => this.follow(w.norm, version, cs, w.extras)));
  }

  describeFilter(): string {
    const parts = [this.spec.wheels ? (this.spec.sdists ? 'wheels or sdists' : 'wheels') : 'sdists'];
    if (this.spec.pythonVersions) parts.push(`Python ${this.spec.pythonVersions.join(', ')}`);
    if (this.spec.platforms) parts.push(`platforms ${this.spec.platforms.join(', ')}`);
    if (!this.spec.prereleases) parts.push('no pre-releases');
    return parts.join(', ');
  }

  /**
   * The dependencies of one version, each wanted in turn. Its core metadata comes from one of
   * the wheels the mirror keeps (PEP 658 file, else the wheel, downloaded anyway); with none
   * kept, from another wheel of that version upstream (PEP 658, else by ranges: it is not kept);
   * with no wheel at all, from its sdist's PKG-INFO when PEP 643 lets it be trusted; otherwise
   * the plan says what was not followed.
   */
  async follow(norm: string, version: string, cs: Candidate[], extras: string[]): Promise<void> {
    const key = `${norm} ${version} ${extras.join(',')}`;
    if (this.followed.has(key)) return;
    this.followed.add(key);
    const byMetadata = (a: Candidate, b: Candidate) => Number(b.file.coreMetadata !== false) - Number(a.file.coreMetadata !== false) || (a.file.filename < b.file.filename ? -1 : 1);
    const kept = cs.filter((c) => c.dist.kind === 'wheel').sort(byMetadata);
    let c: Candidate = kept[0] ?? cs[0];
    let text: string;
    try {
      if (kept.length > 0) text = await this.metadataOf(norm, c, true);
      else {
        const others = (await this.allFiles(norm)).filter((o) => o.version === version && o.dist.kind === 'wheel').sort(byMetadata);
        if (others.length > 0) {
          c = others[0];
          text = await this.metadataOf(norm, c, false);
        } else {
          c = cs.find((x) => x.dist.kind === 'sdist') ?? c;
          const pkg = await this.pkgInfoOf(norm, c);
          const trusted = sdistRequiresDistTrusted(parseCoreMetadata(pkg));
          if (trusted !== true) {
            this.notes.push(`dependencies of ${norm} ${version} not followed: it has only an sdist (${c.file.filename}), and ${trusted}`);
            return;
          }
          text = pkg;
        }
      }
    } catch (e) {
      if (e instanceof FerryError) throw e;
      throw new FerryError('FERRY_BAD_INDEX', `${this.id}: project ${norm}: the metadata of ${c.file.filename} (${c.file.url}): ${(e as Error).message}`, { resource: this.id, project: norm, file: c.file.filename, url: c.file.url }, e);
    }
    let meta;
    try {
      meta = parseCoreMetadata(text);
    } catch (e) {
      throw new FerryError('FERRY_BAD_INDEX', `${this.id}: project ${norm}: the metadata of ${c.file.filename} (${c.file.url}): ${(e as Error).message}`, { resource: this.id, project: norm, file: c.file.filename, url: c.file.url }, e);
    }
    const deps: Wanted[] = [];
    for (const r of meta.requiresDist) {
      if (r.url) continue;
      const pythons = new Set<string>();
      for (const env of this.envs) {
        for (const extra of ['', ...extras]) {
          let holds: boolean;
          try {
            holds = r.marker ? evaluateMarker(r.marker, { ...env, extra }) : true;
          } catch {
            // A marker packaging cannot evaluate either: followed rather than silently dropped.
            holds = true;
          }
          if (holds) pythons.add(env.python_version);
        }
      }
      if (pythons.size === 0) continue;
      deps.push({ norm: normalizeName(r.name), set: r.specifier, extras: r.extras, root: false, pythons: [...pythons].sort(), from: `required by ${norm} ${version}` });
    }
    await Promise.all(deps.map((d) => this.want(d).catch((e: unknown) => this.errors.push(...toFerryErrors(e)))));
  }

  /** Every distribution of a project's page, whatever the mirror keeps (for metadata only). */
  async allFiles(norm: string): Promise<Candidate[]> {
    await this.candidates(norm);
    return candidates(norm, (await this.page(norm)).page.files, { wheels: true, sdists: true });
  }

  /**
   * The sha256 of a file: the index's, or, when the index gives only another digest pip accepts
   * (md5, sha1, ...), the one it has once downloaded and checked against that digest (kept from
   * the last run while its blob is there).
   */
  sha256For(norm: string, c: Candidate): Promise<string> {
    const sha = c.file.hashes.sha256;
    const what = { resource: this.id, project: norm, file: c.file.filename, url: c.file.url };
    if (sha !== undefined) {
      if (/^[0-9a-f]{64}$/.test(sha)) return Promise.resolve(sha);
      return Promise.reject(new FerryError('FERRY_BAD_INDEX', `${this.id}: project ${norm}: ${c.file.filename} (${c.file.url}) has a sha256 that is not 64 hex digits`, what));
    }
    const algo = OTHER_DIGESTS.find((a) => c.file.hashes[a] !== undefined);
    if (!algo) {
      const given = Object.keys(c.file.hashes);
      return Promise.reject(
        new FerryError('FERRY_BAD_INDEX', `${this.id}: project ${norm}: ${c.file.filename} (${c.file.url}) has no digest in the index that pip accepts${given.length ? ` (only ${given.join(', ')})` : ''}: every file is verified against the index (sha256, or ${OTHER_DIGESTS.join(', ')})`, what),
      );
    }
    const digestKey = `${algo}:${c.file.hashes[algo]}`;
    let p = this.shas.get(digestKey);
    if (!p) {
      p = this.queue.add<string>(async () => {
        const known = this.ctx.previous?.upstream?.digests?.[digestKey];
        const sha256 = known && (await this.ctx.blobs.has(known)) ? known : (await adoptByDigest(this.ctx, this.id, norm, c, algo, c.file.hashes[algo])).sha256;
        this.digests[digestKey] = sha256;
        return sha256;
      });
      p.catch(() => undefined);
      this.shas.set(digestKey, p);
    }
    return p;
  }

  /**
   * A wheel's core metadata, fetched or read once, kept in the blob store (served as PEP 658 when
   * the wheel is kept). `kept`: the mirror keeps the wheel, so reading it whole costs nothing
   * more; else it is read by ranges.
   */
  metadataOf(norm: string, c: Candidate, kept: boolean): Promise<string> {
    const key = c.file.hashes.sha256 ?? c.file.url;
    let p = this.metadataText.get(key);
    if (!p) {
      p = this.queue.add<string>(async () => {
        const known = this.ctx.previous?.upstream?.metadata?.[key];
        if (known && (await this.ctx.blobs.has(known.sha256))) {
          this.metadata[key] = known;
          return (await readFile(this.ctx.blobs.pathOf(known.sha256))).toString('utf8');
        }
        const whole = async () => this.ctx.blobs.pathOf(await this.fileInStore(norm, c));
        const what = { resource: this.id, project: norm, file: c.file.filename, url: c.file.url };
        const bytes = await wheelMetadata(this.ctx, this.id, norm, c, async () => (kept ? metadataFromWheelFile(this.ctx, await whole(), what) : (await rangedWheelMetadata(this.ctx, this.id, norm, c, whole)).bytes));
        this.metadata[key] = await this.ctx.blobs.putBytes(bytes);
        return Buffer.from(bytes).toString('utf8');
      });
      p.catch(() => undefined);
      this.metadataText.set(key, p);
    }
    return p;
  }

  /** A file downloaded into the blob store, verified against the index; its sha256. */
  async fileInStore(norm: string, c: Candidate): Promise<string> {
    const sha = await this.sha256For(norm, c);
    await ensureFile(this.ctx, c, sha, { resource: this.id, project: norm });
    return sha;
  }

  /** An sdist's PKG-INFO (the sdist is kept: it is downloaded into the blob store). */
  async pkgInfoOf(norm: string, c: Candidate): Promise<string> {
    const sha = await this.sha256For(norm, c);
    return Buffer.from(await this.queue.add(() => sdistPkgInfo(this.ctx, this.id, norm, c, sha))).toString('utf8');
  }
}

/** Every page and source the last resolve read answers the same: the mirror stands as published. */
async function standsAsPublished(resource: Resource, spec: PypiSpec, ctx: DriverContext<Partial<PypiUpstream>>, resolver: Resolver): Promise<boolean> {
  const prev = ctx.previous;
  const up = prev?.upstream;
  if (!prev || prev.hash !== resource.hash || !up?.pages || !up.sources || !up.metadata) return false;
  const id = resourceId(resource);
  const checks = [
    ...Object.entries(up.pages).map(async ([norm, digest]) => (await resolver.page(norm)).digest === digest),
    ...Object.entries(up.sources).map(async ([url, digest]) => (url === spec.indexUrl ? (await fetchProjectList(ctx, id, url)).digest : (await fetchText(ctx, id, url)).digest) === digest),
    ...Object.values(up.metadata).map((m) => ctx.blobs.has(m.sha256)),
  ];
  try {
    return (await Promise.all(checks)).every(Boolean);
  } catch {
    return false;
  }
}

export async function resolvePypi(resource: Resource, spec: PypiSpec, ctx: DriverContext<Partial<PypiUpstream>>): Promise<PypiResolution> {
  const r = new Resolver(resource, spec, ctx);
  if (await standsAsPublished(resource, spec, ctx, r)) {
    const prev = ctx.previous!;
    const files = prev.files.filter((f) => f.url !== undefined && !f.generated).map((f) => ({ path: f.path, url: f.url!, sha256: f.sha256, size: f.size }));
    const upstream = prev.upstream as PypiUpstream;
    return { files, upstream, scratch: { projects: [] }, warnings: [], ...(upstream.notes?.length ? { notes: upstream.notes } : {}), unchanged: true };
  }
  let roots: Wanted[] = [];
  try {
    roots = await r.roots();
  } catch (e) {
    r.errors.push(...toFerryErrors(e));
  }
  await Promise.all(roots.map((w) => r.want(w).catch((e: unknown) => r.errors.push(...toFerryErrors(e)))));

  const files: WantedFile[] = [];
  const projects: ServedProject[] = [];
  for (const [norm, chosen] of [...r.chosen].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const served: ServedProject = { name: r.names.get(norm) ?? (await r.page(norm)).page.name ?? norm, normalized: norm, files: [] };
    const mine = [...chosen.values()].sort((a, b) => (a.file.filename < b.file.filename ? -1 : 1));
    const shas = await Promise.all(mine.map((c) => r.sha256For(norm, c).catch((e: unknown) => void r.errors.push(...toFerryErrors(e)))));
    for (const [i, c] of mine.entries()) {
      const sha = shas[i];
      if (!sha) continue;
      const path = `files/${norm}/${c.file.filename}`;
      files.push({ path, url: c.file.url, sha256: sha, ...(c.file.size !== undefined ? { size: c.file.size } : {}) });
      const entry = { filename: c.file.filename, sha256: sha, size: c.file.size ?? 0, version: c.version, ...(c.file.requiresPython ? { requiresPython: c.file.requiresPython } : {}), yanked: c.file.yanked };
      served.files.push(entry);
      // Metadata known from the last run stays known (generate reads the rest from the wheels).
      const known = ctx.previous?.upstream?.metadata?.[sha];
      if (c.dist.kind === 'wheel' && !r.metadata[sha] && known) r.metadata[sha] = known;
    }
    projects.push(served);
  }
  if (r.errors.length > 0) {
    const unique = [...new Map(r.errors.map((e) => [e.message, e])).values()];
    throw unique.length === 1 ? unique[0] : new FerryErrors(unique);
  }
  const pages: Record<string, string> = {};
  for (const [norm, p] of r.pages) pages[norm] = (await p).digest;
  const notes = [...new Set(r.notes)].sort();
  const digests = Object.fromEntries(Object.entries(r.digests).sort(([a], [b]) => (a < b ? -1 : 1)));
  const upstream: PypiUpstream = { pages, sources: r.sources, metadata: r.metadata, ...(Object.keys(digests).length ? { digests } : {}), ...(notes.length ? { notes } : {}) };
  return { files, upstream, scratch: { projects }, warnings: r.warnings, ...(notes.length ? { notes } : {}) };
}
