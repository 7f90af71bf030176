/**
 * Distribution file names: wheels (PEP 427 "File name convention", PEP 425 compatibility tags,
 * compressed tag sets `py2.py3`) and source distributions (`<name>-<version>.tar.gz` / `.zip`),
 * and whether a wheel fits the Python versions and platforms a mirror keeps (PEP 425, PEP 600
 * manylinux, PEP 656 musllinux). Pure.
 */
import { normalizeName } from './name.js';
import { parseVersion, type Version } from './version.js';

export interface WheelName {
  kind: 'wheel';
  /** As written in the file name (escaped: `_` for `-`). */
  name: string;
  version: Version;
  versionText: string;
  build?: string;
  pythons: string[];
  abis: string[];
  platforms: string[];
}

export interface SdistName {
  kind: 'sdist';
  name: string;
  version: Version;
  versionText: string;
}

export type DistName = WheelName | SdistName;

const SDIST_SUFFIXES = ['.tar.gz', '.zip', '.tar.bz2', '.tgz', '.tar.xz', '.tar'];

/** The file `filename` of project `project` (any spelling), or undefined when it is no wheel or sdist of it. */
export function parseDistFilename(filename: string, project: string): DistName | undefined {
  const want = normalizeName(project);
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    const [name, versionText] = parts;
    if (normalizeName(name) !== want) return undefined;
    const version = parseVersion(versionText);
    if (!version) return undefined;
    const build = parts.length === 6 ? parts[2] : undefined;
    if (build !== undefined && !/^[0-9]/.test(build)) return undefined;
    const [py, abi, plat] = parts.slice(-3);
    if (!py || !abi || !plat) return undefined;
    return { kind: 'wheel', name, version, versionText, ...(build ? { build } : {}), pythons: py.split('.'), abis: abi.split('.'), platforms: plat.split('.') };
  }
  const suffix = SDIST_SUFFIXES.find((s) => filename.toLowerCase().endsWith(s));
  if (!suffix) return undefined;
  const stem = filename.slice(0, -suffix.length);
  // The name may hold dashes (legacy sdists): split where the prefix is the project's name.
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) !== want) continue;
    const versionText = stem.slice(i + 1);
    const version = parseVersion(versionText);
    if (version) return { kind: 'sdist', name: stem.slice(0, i), version, versionText };
  }
  return undefined;
}

/** `3.11` -> [3, 11]; undefined when not `X.Y`. */
export function parsePythonVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Does one of the wheel's python/abi tag pairs run on CPython `major.minor`? `pyX` and `pyXY`
 * (minor at most ours) with any ABI; `cpXY` with abi3 (minor at most ours) or with ABI `none`
 * or its own (`cp311`, `cp311m`, `cp311d`) for exactly ours.
 */
export function fitsPython(w: Pick<WheelName, 'pythons' | 'abis'>, [major, minor]: [number, number]): boolean {
  for (const py of w.pythons) {
    const m = /^(py|cp)(\d)(\d*)$/.exec(py);
    if (!m || Number(m[2]) !== major) continue;
    const pyMinor = m[3] === '' ? undefined : Number(m[3]);
    if (m[1] === 'py') {
      if (pyMinor === undefined || pyMinor <= minor) return true;
      continue;
    }
    if (pyMinor === undefined) continue;
    for (const abi of w.abis) {
      if (abi === 'abi3' && pyMinor <= minor) return true;
      if (pyMinor === minor && (abi === 'none' || new RegExp(`^cp${major}${minor}[dmu]*$`).test(abi))) return true;
    }
  }
  return false;
}

const LEGACY_MANYLINUX: Record<string, [number, number]> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };

/** A platform tag's family, libc version and architecture (`manylinux2014_x86_64` -> manylinux 2.17 x86_64). */
function linuxTag(tag: string): { family: 'manylinux' | 'musllinux'; version: [number, number]; arch: string } | undefined {
  let m = /^(manylinux|musllinux)_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) return { family: m[1] as 'manylinux' | 'musllinux', version: [Number(m[2]), Number(m[3])], arch: m[4] };
  m = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  if (m) return { family: 'manylinux', version: LEGACY_MANYLINUX[m[1]], arch: m[2] };
  return undefined;
}

const globRe = (glob: string): RegExp => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/**
 * Does one of the wheel's platform tags fit one of `wanted`? `any` fits everything. A wanted
 * `manylinux_2_28_x86_64` (or `musllinux_1_2_aarch64`) takes that family's tags for that
 * architecture up to that libc version, legacy names included (`manylinux2014_x86_64` is 2.17);
 * any other entry is a glob over the tag (`macosx_*_arm64`, `win_amd64`, `linux_*`).
 */
export function fitsPlatform(w: Pick<WheelName, 'platforms'>, wanted: readonly string[]): boolean {
  for (const tag of w.platforms) {
    if (tag === 'any') return true;
    const have = linuxTag(tag);
    for (const want of wanted) {
      const limit = want.includes('*') ? undefined : linuxTag(want);
      if (limit && have) {
        if (limit.family === have.family && limit.arch === have.arch && (have.version[0] < limit.version[0] || (have.version[0] === limit.version[0] && have.version[1] <= limit.version[1]))) return true;
      } else if (globRe(want).test(tag)) return true;
    }
  }
  return false;
}
