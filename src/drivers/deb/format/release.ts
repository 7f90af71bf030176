/**
 * Release files (https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files): the
 * per-suite index of indexes. Its MD5Sum/SHA1/SHA256/SHA512 fields list `hash size path` lines
 * for every index file relative to the Release file's directory. Parsing and writing; no I/O.
 */
import { parseControlFile, writeStanza, type StanzaField } from './control.js';

export interface ReleaseEntry {
  path: string;
  size: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
  sha512?: string;
}

export interface ReleaseFile {
  /** All fields, lowercase names, as written (checksum fields included). */
  fields: Map<string, string>;
  /** Original field order and case, for re-writing. */
  order: StanzaField[];
  entries: Map<string, ReleaseEntry>;
  architectures: string[];
  components: string[];
  acquireByHash: boolean;
  date?: Date;
  validUntil?: Date;
}

const SUMS = [
  ['md5sum', 'md5', 32],
  ['sha1', 'sha1', 40],
  ['sha256', 'sha256', 64],
  ['sha512', 'sha512', 128],
] as const;

export class ReleaseSyntaxError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ReleaseSyntaxError';
  }
}

/** Parses the text of a Release file (already taken out of its InRelease signature). */
export function parseRelease(text: string): ReleaseFile {
  const stanzas = parseControlFile(text);
  if (stanzas.length !== 1) throw new ReleaseSyntaxError(`expected one stanza, found ${stanzas.length}`);
  const order = stanzas[0];
  const fields = new Map(order.map((f) => [f.name.toLowerCase(), f.value] as [string, string]));
  const entries = new Map<string, ReleaseEntry>();
  for (const [field, key, len] of SUMS) {
    const v = fields.get(field);
    if (v === undefined) continue;
    for (const line of v.split('\n')) {
      const t = line.trim();
      if (!t) continue;
      const parts = t.split(/\s+/);
      if (parts.length !== 3 || !/^[0-9a-f]+$/i.test(parts[0]) || parts[0].length !== len || !/^[0-9]+$/.test(parts[1])) {
        throw new ReleaseSyntaxError(`malformed ${field} line ${JSON.stringify(t)}`, field);
      }
      const [hash, size, path] = parts;
      let e = entries.get(path);
      if (!e) {
        e = { path, size: Number(size) };
        entries.set(path, e);
      } else if (e.size !== Number(size)) {
        throw new ReleaseSyntaxError(`sizes of ${path} disagree between checksum fields`, field);
      }
      e[key] = hash.toLowerCase();
    }
  }
  const date = fields.get('date') ? new Date(fields.get('date')!) : undefined;
  const validUntil = fields.get('valid-until') ? new Date(fields.get('valid-until')!) : undefined;
  return {
    fields,
    order,
    entries,
    architectures: (fields.get('architectures') ?? '').split(/\s+/).filter(Boolean),
    components: (fields.get('components') ?? '').split(/\s+/).filter(Boolean),
    acquireByHash: (fields.get('acquire-by-hash') ?? '').toLowerCase() === 'yes',
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
    validUntil: validUntil && !Number.isNaN(validUntil.getTime()) ? validUntil : undefined,
  };
}

/** RFC 2822 date in UTC as Release files write it: `Sat, 21 Nov 2026 21:20:00 UTC`. */
export function formatReleaseDate(d: Date): string {
  return d.toUTCString().replace('GMT', 'UTC');
}

export interface BuildReleaseOptions {
  /** Header fields in order (Origin, Label, Suite, Codename, Date, ...). Undefined values are left out. */
  header: Array<[string, string | undefined]>;
  entries: ReleaseEntry[];
}

/** Writes a Release file: the header fields, then MD5Sum, SHA1, SHA256, SHA512 over `entries`. */
export function buildRelease({ header, entries }: BuildReleaseOptions): string {
  const fields: StanzaField[] = header.filter(([, v]) => v !== undefined && v !== '').map(([name, value]) => ({ name, value: value! }));
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max(1, ...sorted.map((e) => String(e.size).length));
  for (const [name, key] of [['MD5Sum', 'md5'], ['SHA1', 'sha1'], ['SHA256', 'sha256'], ['SHA512', 'sha512']] as const) {
    const lines = sorted.filter((e) => e[key]).map((e) => ` ${e[key]} ${String(e.size).padStart(width)} ${e.path}`);
    if (lines.length) fields.push({ name, value: `\n${lines.join('\n')}` });
  }
  return `${writeStanza(fields)}\n`;
}

/**
 * The same Release text with `Date` set to `date` and `Valid-Until` to `validUntil` (removed when
 * undefined), in place (Valid-Until right after Date): how a published Release is renewed
 * without touching the indexes it lists.
 */
export function redateRelease(text: string, date: Date, validUntil: Date | undefined): string {
  const lines = text.split('\n').filter((l) => !/^Valid-Until:/i.test(l));
  const at = lines.findIndex((l) => /^Date:/i.test(l));
  const dated = [`Date: ${formatReleaseDate(date)}`, ...(validUntil ? [`Valid-Until: ${formatReleaseDate(validUntil)}`] : [])];
  if (at >= 0) lines.splice(at, 1, ...dated);
  else lines.splice(0, 0, ...dated);
  return lines.join('\n');
}
