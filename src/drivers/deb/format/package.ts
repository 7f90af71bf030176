/**
 * A binary package as the resolver sees it: the fields of a Packages stanza that selection,
 * dependency resolution and publishing need (Debian Policy §5.3 "Binary package control files",
 * §5.6 "List of fields"; Filename, Size and SHA256 from the archive format,
 * wiki.debian.org/DebianRepository/Format#A.22Packages.22_Indices), plus where the stanza sits
 * in its index so that it can be copied verbatim into the published index. Pure; no I/O.
 */
import { StanzaSyntaxError, type StanzaField } from './control.js';
import { isValidVersion } from './version.js';

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
  /** Index it came from (a key of the catalog's index table) and the stanza's place in it. */
  index: string;
  ordinal: number;
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
  ordinal: number;
  type: PackageType;
}

/** `name_version_arch`, the identity aptly and apt use for a binary package. */
export function packageKey(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version}_${p.arch}`;
}

/** Packages fields the record keeps, in slot order. */
const SLOT_NAMES = ['Package', 'Version', 'Architecture', 'Multi-Arch', 'Priority', 'Section', 'Source', 'Depends', 'Pre-Depends', 'Recommends', 'Provides', 'Filename', 'Size', 'SHA256'];

/** Kept field names by their lowercased first letter, with their slot. */
const BY_INITIAL = new Map<number, Array<[string, number]>>();
SLOT_NAMES.forEach((name, slot) => {
  const c = name.charCodeAt(0) | 0x20;
  BY_INITIAL.set(c, [...(BY_INITIAL.get(c) ?? []), [name, slot]]);
});

/** Case-insensitive `text.slice(pos, pos + word.length) === word` for ASCII letters, digits and `-`, without allocating. */
function equalsAt(text: string, pos: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if ((text.charCodeAt(pos + i) | 0x20) !== (word.charCodeAt(i) | 0x20)) return false;
  return true;
}

/** The slot of the field name text[pos, colon), or -1 (field names are case-insensitive, Policy §5.1). */
function slotAt(text: string, pos: number, colon: number): number {
  const cands = BY_INITIAL.get(text.charCodeAt(pos) | 0x20);
  if (!cands) return -1;
  const len = colon - pos;
  for (const [name, slot] of cands) if (name.length === len && equalsAt(text, pos, name)) return slot;
  return -1;
}

/**
 * Parses one Packages stanza straight into a record, looking only at the fields it keeps (the
 * fast path for large indexes: no per-field objects). Checks the syntax of every line like
 * parseStanzaFields; `all`, when given, receives every field (for filter queries).
 */
export function parsePackageStanza(text: string, firstLine: number, origin: Omit<PackageOrigin, 'ordinal'>, ordinal: number, all?: StanzaField[]): DebPackage {
  const v: Array<string | undefined> = new Array<string | undefined>(14);
  let last = -1;
  let lastAll: StanzaField | undefined;
  let sawField = false;
  let pos = 0;
  let lineNo = firstLine;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) {
      if (!sawField) throw new StanzaSyntaxError('continuation line before any field', lineNo);
      if (last >= 0 || lastAll) {
        const cont = `\n${text.slice(pos, end)}`;
        if (last >= 0) v[last] += cont;
        if (lastAll) lastAll.value += cont;
      }
    } else {
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon > end || colon === pos) {
        throw new StanzaSyntaxError(`malformed line ${JSON.stringify(text.slice(pos, Math.min(end, pos + 80)))}: expected "Field: value"`, lineNo);
      }
      sawField = true;
      const slot = slotAt(text, pos, colon);
      last = slot;
      if (slot >= 0 || all) {
        let vs = colon + 1;
        while (vs < end && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
        let ve = end;
        while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 13)) ve--;
        const value = text.slice(vs, ve);
        if (slot >= 0) v[slot] = value;
        if (all) {
          lastAll = { name: text.slice(pos, colon), value };
          all.push(lastAll);
        }
      }
    }
    pos = end + 1;
    lineNo++;
  }
  const need = (slot: number) => {
    const x = v[slot];
    if (x === undefined || x === '') throw new PackageFieldError(`${v[0] ? `${v[0]}: ` : ''}missing ${SLOT_NAMES[slot]} field`, SLOT_NAMES[slot]);
    return x;
  };
  const name = need(0);
  const version = need(1);
  if (!isValidVersion(version)) throw new PackageFieldError(`${name}: invalid version ${JSON.stringify(version)}`, 'Version');
  const arch = need(2);
  const filename = need(11);
  const sizeText = need(12);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size) || size < 0 || !/^[0-9]+$/.test(sizeText)) throw new PackageFieldError(`${name}: bad Size ${JSON.stringify(sizeText)}`, 'Size');
  const sha256 = need(13).toLowerCase();
  if (sha256.length !== 64 || !/^[0-9a-f]+$/.test(sha256)) throw new PackageFieldError(`${name}: bad SHA256 ${JSON.stringify(sha256)}`, 'SHA256');
  let source = name;
  let sourceVersion = version;
  const src = v[6];
  if (src) {
    const sp = src.indexOf(' ');
    if (sp < 0) source = src;
    else {
      source = src.slice(0, sp);
      const m = /\(\s*(\S+?)\s*\)/.exec(src);
      if (m) sourceVersion = m[1];
    }
  }
  return {
    name,
    version,
    arch,
    multiArch: v[3],
    priority: v[4],
    section: v[5],
    source,
    sourceVersion,
    depends: v[7],
    preDepends: v[8],
    recommends: v[9],
    provides: v[10],
    filename,
    size,
    sha256,
    type: origin.type,
    mirror: origin.mirror,
    suite: origin.suite,
    component: origin.component,
    index: origin.index,
    ordinal,
  };
}
