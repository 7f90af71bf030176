/**
 * Which files of a project page a mirror keeps (pure): file names checked (no path in them) and
 * read (wheel or sdist of this project), then kept by type (wheels, sdists), Python version
 * (wheel tags and Requires-Python) and platform (wheel tags); then which versions a requirement
 * admits (PEP 440, pre-releases as the spec says, constraints applied), and for a dependency the
 * newest version that runs on each Python version, yanked ones only when pinned with `==`/`===`
 * (PEP 592).
 */
import { fitsPlatform, fitsPython, parseDistFilename, parsePythonVersion, type DistName } from './filename.js';
import type { IndexFile } from './simple-index.js';
import { filterVersions, parseSpecifierSet, setContains, type SpecifierSet } from './specifier.js';
import { compareVersions, formatVersion, parseVersion, type Version } from './version.js';

export interface Candidate {
  file: IndexFile;
  dist: DistName;
  /** Normalized version text: the version's key. */
  version: string;
}

export interface FileFilter {
  wheels: boolean;
  sdists: boolean;
  pythonVersions?: readonly string[];
  platforms?: readonly string[];
}

/** Why a file name is unusable as a path in the mirror, or undefined when it is a plain name. */
export function unsafeFilename(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'is empty or a dot name';
  if (/[/\\]/.test(name)) return 'holds a slash or backslash (a path, not a file name)';
  if ([...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return 'holds control characters';
  if (name.startsWith('.')) return 'starts with a dot';
  return undefined;
}

function fitsRequiresPython(text: string | undefined, pythons: readonly string[] | undefined): boolean {
  if (text === undefined || pythons === undefined) return true;
  let set: SpecifierSet;
  try {
    set = parseSpecifierSet(text);
  } catch {
    // pip ignores a Requires-Python it cannot read; so does the mirror.
    return true;
  }
  return pythons.some((p) => setContains(set, parseVersion(p)!, true));
}

/** The files of one page the filter keeps; file names that are not this project's distributions are skipped. */
export function candidates(project: string, files: readonly IndexFile[], f: FileFilter): Candidate[] {
  const pys = f.pythonVersions?.map((p) => parsePythonVersion(p)!);
  const out: Candidate[] = [];
  for (const file of files) {
    const dist = parseDistFilename(file.filename, project);
    if (!dist) continue;
    if (dist.kind === 'wheel' ? !f.wheels : !f.sdists) continue;
    if (!fitsRequiresPython(file.requiresPython, f.pythonVersions)) continue;
    if (dist.kind === 'wheel') {
      if (pys && !pys.some((p) => fitsPython(dist, p))) continue;
      if (f.platforms && !fitsPlatform(dist, f.platforms)) continue;
    }
    out.push({ file, dist, version: formatVersion(dist.version) });
  }
  return out;
}

interface VersionGroup {
  version: Version;
  key: string;
  files: Candidate[];
}

function groups(cands: readonly Candidate[]): VersionGroup[] {
  const by = new Map<string, VersionGroup>();
  for (const c of cands) {
    const g = by.get(c.version) ?? { version: c.dist.version, key: c.version, files: [] };
    g.files.push(c);
    by.set(c.version, g);
  }
  return [...by.values()].sort((a, b) => compareVersions(a.version, b.version));
}

/** Every version the requirement (and the constraints) admit: the files of those versions. */
export function admitted(cands: readonly Candidate[], set: SpecifierSet, constraints: readonly SpecifierSet[], prereleases: boolean): Candidate[] {
  let gs = filterVersions(set, groups(cands), (g) => g.version, prereleases || undefined);
  for (const c of constraints) gs = filterVersions(c, gs, (g) => g.version, prereleases || undefined);
  return gs.flatMap((g) => g.files);
}

const pinned = (set: SpecifierSet) => set.specifiers.some((s) => (s.operator === '==' && !s.version.endsWith('.*')) || s.operator === '===');

/**
 * For a dependency: per Python version, the newest admitted version with a file for it (not
 * yanked unless pinned), as pip would choose it. All files of the chosen versions.
 */
export function newestFor(cands: readonly Candidate[], set: SpecifierSet, constraints: readonly SpecifierSet[], prereleases: boolean, pythons: readonly string[]): Candidate[] {
  const usable = pinned(set) ? cands : cands.filter((c) => c.file.yanked === false);
  const gs = groups(admitted(usable, set, constraints, prereleases));
  const chosen = new Set<string>();
  for (const py of pythons) {
    const p = parsePythonVersion(py)!;
    for (let i = gs.length - 1; i >= 0; i--) {
      const fits = gs[i].files.some((c) => fitsRequiresPython(c.file.requiresPython, [py]) && (c.dist.kind === 'sdist' || fitsPython(c.dist, p)));
      if (fits) {
        chosen.add(gs[i].key);
        break;
      }
    }
  }
  return gs.filter((g) => chosen.has(g.key)).flatMap((g) => g.files);
}

/** Globs over normalized names (`*` any run), as allow/deny use them. */
export function matchesAny(name: string, globs: readonly string[]): boolean {
  return globs.some((g) => new RegExp(`^${g.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name));
}
