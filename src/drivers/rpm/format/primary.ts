/**
 * primary.xml's `<package type="rpm">` records (createrepo_c doc/primary.xml), and the records of
 * filelists.xml and other.xml, which name their package by `pkgid` (its checksum). Only what the
 * dependency closure and the served file list need is kept; the record itself is read again
 * from the verified blob when a partial mirror's metadata is written (generate.ts). Pure.
 */
import { child, children, textOf, type XmlElement } from './xml-records.js';
import { safeHref } from './href.js';
import { relationOf, type Relation } from './relations.js';
import { safeRelativePath } from '../../../core/safe-path.js';

export interface RpmPackage {
  /** The mirror whose repository lists it (the one being resolved, or a base). */
  mirror: string;
  /** Position in its primary.xml (to find the record again). */
  ordinal: number;
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
  /** The package checksum, which filelists and other call pkgid. */
  pkgid: string;
  checksumType: string;
  /** Path under the repository root, checked. */
  href: string;
  size: number;
  provides: Relation[];
  requires: Relation[];
  obsoletes: Relation[];
  conflicts: Relation[];
  recommends: Relation[];
  suggests: Relation[];
  supplements: Relation[];
  enhances: Relation[];
  /** The files primary lists (createrepo keeps /etc/*, *bin/* and /usr/lib/sendmail there). */
  files: string[];
}

/** A problem with one package record; the caller adds the file and line. */
export class PackageError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly pkg?: string,
  ) {
    super(message);
  }
}

const PLAIN_HREF = /^[A-Za-z0-9][A-Za-z0-9._+~^%-]*(?:\/[A-Za-z0-9][A-Za-z0-9._+~^%-]*)*$/;

const DEP_FIELDS = ['provides', 'requires', 'obsoletes', 'conflicts', 'recommends', 'suggests', 'supplements', 'enhances'] as const;

function relations(format: XmlElement | undefined, field: string): Relation[] {
  if (!format) return [];
  const list = child(format, `rpm:${field}`);
  return children(list, 'rpm:entry').map((e) => relationOf(e.attrs));
}

/** `name-[epoch:]version-release.arch`, as dnf prints it. */
export function nevra(p: Pick<RpmPackage, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  return `${p.name}-${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

/** The package of a primary `<package>` record. Throws PackageError. */
export function parsePackage(el: XmlElement, ordinal: number, mirror: string): RpmPackage {
  const name = textOf(child(el, 'name')).trim();
  if (!name) throw new PackageError('package without a name', 'name');
  const arch = textOf(child(el, 'arch')).trim();
  const v = child(el, 'version')?.attrs ?? {};
  const label = `${name}-${v.ver ?? '?'}-${v.rel ?? '?'}.${arch}`;
  if (!v.ver) throw new PackageError(`${label}: no version`, 'version', label);
  const sum = child(el, 'checksum');
  const checksumType = (sum?.attrs.type ?? '').toLowerCase();
  const pkgid = textOf(sum).trim().toLowerCase();
  if (!/^[0-9a-f]{32,128}$/.test(pkgid)) throw new PackageError(`${label}: checksum ${JSON.stringify(pkgid)} is not a hex digest`, 'checksum', label);
  const loc = child(el, 'location');
  const rawHref = loc?.attrs.href ?? '';
  // Most hrefs are plain (segments that start with a letter or digit): no need for the full check.
  const problem = rawHref && !loc?.attrs['xml:base'] && PLAIN_HREF.test(rawHref) ? undefined : rawHref ? safeHref(rawHref, loc?.attrs['xml:base']) : 'empty';
  if (problem) {
    const shown = loc?.attrs['xml:base'] ? `${loc.attrs['xml:base']} ${rawHref}` : rawHref;
    throw new PackageError(`${label}: location href ${JSON.stringify(shown)} refused: ${problem}`, 'location', label);
  }
  const sizeText = child(el, 'size')?.attrs.package ?? '';
  const format = child(el, 'format');
  const pkg: RpmPackage = {
    mirror,
    ordinal,
    name,
    arch,
    epoch: v.epoch || '0',
    version: v.ver,
    release: v.rel ?? '',
    pkgid,
    checksumType: checksumType === 'sha' ? 'sha1' : checksumType,
    href: PLAIN_HREF.test(rawHref) ? rawHref : safeRelativePath(rawHref),
    size: /^\d+$/.test(sizeText) ? Number(sizeText) : -1,
    provides: [],
    requires: [],
    obsoletes: [],
    conflicts: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    files: format ? children(format, 'file').map((f) => textOf(f)) : [],
  };
  for (const f of DEP_FIELDS) pkg[f] = relations(format, f);
  return pkg;
}

/** A filelists.xml or other.xml record's package id. */
export function pkgidOf(el: XmlElement): string {
  return (el.attrs.pkgid ?? '').toLowerCase();
}

/** The files of a filelists.xml record. */
export function filesOf(el: XmlElement): string[] {
  return children(el, 'file').map((f) => textOf(f));
}
