/**
 * A repository's catalog: the packages its primary lists, read as a stream from the verified
 * blob (decompressed within the site's bounds, src/compression/bounded.ts, and checked against
 * repomd's open-checksum), the owners of given paths from filelists (read only when a file
 * dependency needs it), and the records of chosen packages read again for the partial mirror's
 * new metadata.
 */
import { createHash } from 'node:crypto';
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import { compressionOf } from '../../compression/compression.js';
import { decompressionLimits, readBoundedIndex } from '../../compression/bounded.js';
import type { DriverContext } from '../types.js';
import { dataOf, type Repomd, type RepomdData } from './format/repomd.js';
import { readXmlRecords, XmlSyntaxError, type RecordHandlers, type XmlElement } from './format/xml-records.js';
import { filesOf, PackageError, parsePackage, pkgidOf, type RpmPackage } from './format/primary.js';
import { fetchData } from './upstream.js';

export interface Catalog {
  mirror: string;
  url: string;
  repomd: Repomd;
  packages: RpmPackage[];
  /** sha256 of the primary blob. */
  primary: string;
}

const ROOTS: Record<string, string> = { primary: 'metadata', filelists: 'filelists', other: 'otherdata' };

const LEAN_FILELISTS = new Set(['version']);

/** What a catalog does not need of a primary record (parsePackage reads none of it). */
const LEAN_PRIMARY = new Set(['summary', 'description', 'packager', 'url', 'time', 'rpm:license', 'rpm:vendor', 'rpm:group', 'rpm:buildhost', 'rpm:sourcerpm', 'rpm:header-range', 'rpm:suggests', 'rpm:enhances']);

/**
 * Streams one data file of repomd through `handlers` (its `<package>` records). Checks the root
 * element, the decompressed bytes against open-checksum/open-size; every error names the URL.
 */
async function readData(ctx: DriverContext, o: { resource: string; url: string; data: RepomdData; blob: string; handlers: RecordHandlers; complete?: boolean }): Promise<void> {
  const url = redactUrl(`${o.url}/${o.data.href}`);
  const open = o.data.openChecksum;
  const hash = open ? createHash(open.type) : undefined;
  const chunks = readBoundedIndex(ctx.blobs.pathOf(o.blob), { resource: o.resource, url, compression: compressionOf(o.data.href), expectedSize: o.data.openSize, limits: decompressionLimits(ctx.desired.site), lines: false }, ctx.signal);
  async function* hashing(): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      hash?.update(c);
      yield c;
    }
  }
  const want = ROOTS[o.data.type];
  let stopped = false;
  try {
    await readXmlRecords(hashing(), 'package', {
      onRoot(el, line) {
        if (want && el.name !== want) throw new XmlSyntaxError(`the root element is <${el.name}>, not <${want}>`, line);
        o.handlers.onRoot?.(el, line);
      },
      skip: o.handlers.skip,
      onRecord(el, i, line) {
        const r = o.handlers.onRecord(el, i, line);
        if (r === false) stopped = true;
        return r;
      },
    });
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${url}: line ${e.line}: ${e.message}`, { resource: o.resource, url, line: e.line }, e);
    if (e instanceof PackageError) throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${url}: ${e.message}`, { resource: o.resource, url, field: e.field, package: e.pkg }, e);
    throw e;
  }
  if (hash && open && !stopped && o.complete !== false) {
    const actual = hash.digest('hex');
    if (actual !== open.value) throw new FerryError('FERRY_DIGEST_MISMATCH', `${o.resource}: ${url}: decompressed content does not match the open-checksum repomd.xml lists`, { resource: o.resource, url, field: 'open-checksum', expected: open.value, actual });
  }
}

/** The packages of a repository (its primary, fetched if the store lacks it). */
export async function loadCatalog(ctx: DriverContext, o: { resource: string; mirror: string; url: string; repomd: Repomd; repomdUrl: string }): Promise<Catalog> {
  const data = dataOf(o.repomd, 'primary');
  if (!data) throw new FerryError('FERRY_BAD_INDEX', `${o.resource}: ${redactUrl(o.repomdUrl)}: lists no primary metadata`, { resource: o.resource, url: redactUrl(o.repomdUrl), field: 'data' });
  const blob = await fetchData(ctx, o.url, data, o.resource);
  const packages: RpmPackage[] = [];
  const seen = new Map<string, RpmPackage>();
  await readData(ctx, {
    resource: o.resource,
    url: o.url,
    data,
    blob,
    handlers: {
      skip: LEAN_PRIMARY,
      onRecord(el, i, line) {
        if (el.attrs.type !== undefined && el.attrs.type !== 'rpm') return;
        const p = parsePackage(el, i, o.mirror);
        const other = seen.get(p.href);
        if (other && other.pkgid !== p.pkgid) throw new PackageError(`line ${line}: two packages claim ${p.href}`, 'location', p.name);
        seen.set(p.href, p);
        packages.push(p);
      },
    },
  });
  return { mirror: o.mirror, url: o.url, repomd: o.repomd, packages, primary: blob };
}

/**
 * The owners of `paths` among `packages` according to the repository's filelists (fetched if
 * the store lacks it); an empty map when the repository has no filelists.
 */
export async function fileOwners(ctx: DriverContext, o: { resource: string; catalog: Catalog; paths: ReadonlySet<string> }): Promise<Map<string, RpmPackage[]>> {
  const out = new Map<string, RpmPackage[]>();
  const data = dataOf(o.catalog.repomd, 'filelists');
  if (!data || o.paths.size === 0) return out;
  const blob = await fetchData(ctx, o.catalog.url, data, o.resource);
  const byId = new Map<string, RpmPackage>();
  for (const p of o.catalog.packages) byId.set(p.pkgid, p);
  await readData(ctx, {
    resource: o.resource,
    url: o.catalog.url,
    data,
    blob,
    handlers: {
      skip: LEAN_FILELISTS,
      onRecord(el) {
        const p = byId.get(pkgidOf(el));
        if (!p) return;
        for (const f of filesOf(el)) {
          if (!o.paths.has(f)) continue;
          const l = out.get(f);
          if (l) l.push(p);
          else out.set(f, [p]);
        }
      },
    },
  });
  return out;
}

/**
 * The root element and the records of the data file whose key (`ordinal` for primary, `pkgid`
 * otherwise) is in `keys`, in upstream order.
 */
export async function pickRecords(ctx: DriverContext, o: { resource: string; url: string; data: RepomdData; blob: string; ordinals?: ReadonlySet<number>; pkgids?: ReadonlySet<string> }): Promise<{ root: XmlElement; records: XmlElement[] }> {
  let root: XmlElement = { name: ROOTS[o.data.type] ?? 'metadata', attrs: {}, children: [] };
  const records: XmlElement[] = [];
  let left = o.ordinals?.size ?? o.pkgids?.size ?? 0;
  let last = -1;
  for (const n of o.ordinals ?? []) last = Math.max(last, n);
  await readData(ctx, {
    ...o,
    complete: true,
    handlers: {
      onRoot(el) {
        root = { name: el.name, attrs: { ...el.attrs }, children: [] };
      },
      onRecord(el, i) {
        const hit = o.ordinals ? o.ordinals.has(i) : o.pkgids!.has(pkgidOf(el));
        if (hit) {
          records.push(el);
          left--;
        }
        // The open-checksum is only checked on a whole read: once it is known good (resolve
        // read it whole), stopping early is safe for primary.
        if (o.ordinals && i >= last) return false;
        return left > 0 || !o.ordinals ? undefined : false;
      },
    },
  });
  return { root, records };
}
