/**
 * repodata/repomd.xml (createrepo_c doc/repomd.xml format; dnf's librepo reads it): the
 * repository's table of contents. Each `<data type="...">` names one metadata file by its
 * `location href` (relative to the repository root), its checksum and size, and for compressed
 * files the checksum and size of the uncompressed content (`open-checksum`, `open-size`).
 * Hrefs are checked here (repoHref), so nothing downstream ever meets `../` or another host.
 * Pure.
 */
import { child, readXmlRecords, textOf, XmlSyntaxError, type XmlElement } from './xml-records.js';
import { normalHref, safeHref } from './href.js';

export interface RepomdChecksum {
  /** `sha256`, `sha512`, `sha1`, `sha`, `md5` as repomd spells it (lower case). */
  type: string;
  value: string;
}

export interface RepomdData {
  /** primary, filelists, other, modules, group, updateinfo, primary_db, ... */
  type: string;
  /** Relative to the repository root, checked (href.ts). */
  href: string;
  checksum: RepomdChecksum;
  openChecksum?: RepomdChecksum;
  size?: number;
  openSize?: number;
  timestamp?: number;
  /** The record as read (for writing it back). */
  element: XmlElement;
}

export interface Repomd {
  revision?: string;
  data: RepomdData[];
  /** Root attributes (namespaces) as read. */
  rootAttrs: Record<string, string>;
  /** `<tags>` and other non-data children, as read (kept when writing a new repomd.xml). */
  extras: XmlElement[];
}

/** A problem with one field of repomd.xml (the caller names the file). */
export class RepomdError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

function checksumOf(el: XmlElement | undefined, line: number, field: string): RepomdChecksum | undefined {
  if (!el) return undefined;
  const type = (el.attrs.type ?? '').toLowerCase();
  const value = textOf(el).trim().toLowerCase();
  if (!type || !/^[0-9a-f]+$/.test(value)) throw new RepomdError(`${field}: not a checksum (type ${JSON.stringify(type)}, value ${JSON.stringify(value)})`, line, field);
  return { type: type === 'sha' ? 'sha1' : type, value };
}

function intOf(el: XmlElement | undefined): number | undefined {
  const t = textOf(el).trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Parses repomd.xml bytes. Throws XmlSyntaxError or RepomdError. */
export async function parseRepomd(bytes: Uint8Array): Promise<Repomd> {
  const out: Repomd = { data: [], rootAttrs: {}, extras: [] };
  const seen = new Set<string>();
  await readXmlRecords([bytes], '*', {
    onRoot(el, line) {
      if (el.name !== 'repomd') throw new XmlSyntaxError(`the root element is <${el.name}>, not <repomd>`, line);
      out.rootAttrs = el.attrs;
    },
    onRecord(el, _i, line) {
      if (el.name === 'revision') {
        out.revision = textOf(el).trim();
        return;
      }
      if (el.name !== 'data') {
        out.extras.push(el);
        return;
      }
      out.data.push(dataEntry(el, line, seen));
    },
  });
  return out;
}

function dataEntry(el: XmlElement, line: number, seen: Set<string>): RepomdData {
  const type = el.attrs.type ?? '';
  if (!type) throw new RepomdError('<data> without a type', line, 'type');
  if (seen.has(type)) throw new RepomdError(`two <data type="${type}"> entries`, line, 'type');
  seen.add(type);
  const loc = child(el, 'location');
  const href = loc?.attrs.href;
  if (!href) throw new RepomdError(`data ${type}: no location href`, line, 'location');
  const base = loc?.attrs['xml:base'];
  const problem = safeHref(href, base);
  if (problem) throw new RepomdError(`data ${type}: location href ${JSON.stringify(base ? `${base} ${href}` : href)} refused: ${problem}`, line, 'location');
  const checksum = checksumOf(child(el, 'checksum'), line, `data ${type}: checksum`);
  if (!checksum) throw new RepomdError(`data ${type}: no checksum`, line, 'checksum');
  return {
    type,
    href: normalHref(href),
    checksum,
    openChecksum: checksumOf(child(el, 'open-checksum'), line, `data ${type}: open-checksum`),
    size: intOf(child(el, 'size')),
    openSize: intOf(child(el, 'open-size')),
    timestamp: intOf(child(el, 'timestamp')),
    element: el,
  };
}

/** The data entry of `type`, if repomd lists one. */
export function dataOf(repomd: Repomd, type: string): RepomdData | undefined {
  return repomd.data.find((d) => d.type === type);
}
