/**
 * A binary package as the resolver sees it: the fields of a Packages stanza that selection,
 * dependency resolution and publishing need (Debian Policy §5.3 "Binary package control files",
 * §5.6 "List of fields"; Filename, Size and SHA256 from the archive format,
 * wiki.debian.org/DebianRepository/Format#A.22Packages.22_Indices), plus where the stanza sits
 * in its index so that it can be copied verbatim into the published index. Pure; no I/O.
 */
import type { StanzaField } from './control.js';
import { parseVersion } from './version.js';

export type PackageType = 'deb' | 'udeb';

export interface DebPackage {
  name: string;
  version: string;
  arch: string;
  multiArch?: string;
  priority?: string;
  section?: string;
  /** Source package name (Source field without its version, or the package name). */
  source: string;
  sourceVersion: string;
  depends?: string;
  preDepends?: string;
  recommends?: string;
  provides?: string;
  filename: string;
  size: number;
  sha256: string;
  type: PackageType;
  /** Mirror (resource name) whose upstream lists it. */
  mirror: string;
  /** Suite (or flat directory) and component it was listed in. */
  suite: string;
  component: string;
  /** Index it came from (a key of the resolution's index table) and the stanza's place in it. */
  index: string;
  offset: number;
  length: number;
}

export class PackageFieldError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'PackageFieldError';
  }
}

export interface PackageOrigin {
  mirror: string;
  suite: string;
  component: string;
  index: string;
  offset: number;
  length: number;
  type: PackageType;
}

/** Builds the record from a stanza's fields; throws PackageFieldError naming a missing or bad field. */
export function toPackage(fields: StanzaField[], origin: PackageOrigin): DebPackage {
  const f = new Map<string, string>();
  for (const x of fields) f.set(x.name.toLowerCase(), x.value);
  const need = (k: string, label: string) => {
    const v = f.get(k);
    if (v === undefined || v === '') throw new PackageFieldError(`missing ${label} field`, label);
    return v;
  };
  const name = need('package', 'Package');
  const version = need('version', 'Version');
  try {
    parseVersion(version);
  } catch (e) {
    throw new PackageFieldError(`${name}: ${(e as Error).message}`, 'Version');
  }
  const arch = need('architecture', 'Architecture');
  const filename = need('filename', 'Filename');
  const sizeText = need('size', 'Size');
  if (!/^[0-9]+$/.test(sizeText)) throw new PackageFieldError(`${name}: bad Size ${JSON.stringify(sizeText)}`, 'Size');
  const sha256 = need('sha256', 'SHA256').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new PackageFieldError(`${name}: bad SHA256 ${JSON.stringify(sha256)}`, 'SHA256');
  let source = name;
  let sourceVersion = version;
  const src = f.get('source');
  if (src) {
    const m = /^(\S+)(?:\s*\((\S+)\))?$/.exec(src.trim());
    if (m) {
      source = m[1];
      if (m[2]) sourceVersion = m[2];
    }
  }
  return {
    name,
    version,
    arch,
    multiArch: f.get('multi-arch'),
    priority: f.get('priority'),
    section: f.get('section'),
    source,
    sourceVersion,
    depends: f.get('depends'),
    preDepends: f.get('pre-depends'),
    recommends: f.get('recommends'),
    provides: f.get('provides'),
    filename,
    size: Number(sizeText),
    sha256,
    ...origin,
  };
}

/** `name_version_arch`, the identity aptly and apt use for a binary package. */
export function packageKey(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version}_${p.arch}`;
}
