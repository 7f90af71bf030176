/**
 * The air-gap bundle (issue 17): what crosses from a connected site to an offline one.
 *
 *   <bundle>/toc.json        table of contents: the snapshot, its base, every blob's digest,
 *                            size and offset in the byte stream, the volumes
 *   <bundle>/toc.json.asc    the site key's detached signature of toc.json
 *   <bundle>/manifest.json   the target snapshot's manifest (its digest is in the TOC)
 *   <bundle>/vol-0000.ferry  the byte stream of every blob, in TOC order, cut into volumes of
 *   <bundle>/vol-0001.ferry  `volumeSize` bytes (the last shorter); a blob may span volumes
 *
 * Kind-agnostic: a snapshot is a manifest of files that are blobs (deb pools and indexes, git
 * packs and refs, OCI manifests and layers alike), so the bundle carries blobs and a manifest.
 * Pure functions here; the I/O is in export-bundle.ts and import-bundle.ts.
 */
import { FerryError } from '../core/ferry-error.js';
import type { SnapshotManifest } from '../store/types.js';

export const BUNDLE_FORMAT = 'ferry-bundle/1';
export const TOC_FILE = 'toc.json';
export const TOC_SIGNATURE = 'toc.json.asc';
export const MANIFEST_FILE = 'manifest.json';

export interface BundleBlob {
  sha256: string;
  size: number;
  /** Offset of the blob's first byte in the stream of all volumes. */
  offset: number;
}

export interface BundleToc {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  site: string;
  /** The snapshot the bundle makes available. */
  snapshot: { id: string; desiredHash: string; commit?: string; manifestSha256: string };
  /** The snapshot whose blobs the receiving site must already hold (a delta bundle). */
  from?: { id: string; desiredHash: string };
  volumeSize: number;
  totalBytes: number;
  volumes: Array<{ name: string; size: number }>;
  blobs: BundleBlob[];
}

/** `vol-0000.ferry`, `vol-0001.ferry`, ... */
export function volumeName(index: number): string {
  return `vol-${String(index).padStart(4, '0')}.ferry`;
}

/** `4G`, `700M`, `512k`, `1048576` (bytes; powers of 1024). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m?.[2] ?? '').toLowerCase()];
  const n = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new FerryError('FERRY_USAGE', `not a size: ${JSON.stringify(text)} (say 4G, 700M, 512k or a number of bytes)`, { actual: text });
  return n;
}

/** Every distinct blob of `to` that `from` lacks, sorted by digest, laid out in one stream. */
export function planBundle(to: SnapshotManifest, from: SnapshotManifest | undefined, volumeSize: number): Pick<BundleToc, 'blobs' | 'totalBytes' | 'volumes'> {
  const have = new Set<string>();
  for (const r of from?.resources ?? []) for (const f of r.files) have.add(f.sha256);
  const sizes = new Map<string, number>();
  for (const r of to.resources) for (const f of r.files) if (!have.has(f.sha256)) sizes.set(f.sha256, f.size);
  let offset = 0;
  const blobs: BundleBlob[] = [...sizes.keys()].sort().map((sha256) => {
    const b = { sha256, size: sizes.get(sha256)!, offset };
    offset += b.size;
    return b;
  });
  const count = Math.max(1, Math.ceil(offset / volumeSize));
  const volumes = Array.from({ length: count }, (_, i) => ({ name: volumeName(i), size: Math.min(volumeSize, offset - i * volumeSize) }));
  return { blobs, totalBytes: offset, volumes };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses and checks a TOC's shape (after its signature was verified): a bad one is refused whole. */
export function parseToc(bytes: Uint8Array, where: string): BundleToc {
  const bad = (detail: string) => new FerryError('FERRY_BAD_INDEX', `${where}: not a Ferry bundle table of contents: ${detail}`, { file: where });
  let toc: BundleToc;
  try {
    toc = JSON.parse(Buffer.from(bytes).toString('utf8')) as BundleToc;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (toc?.format !== BUNDLE_FORMAT) throw bad(`format is ${JSON.stringify((toc as { format?: unknown } | null)?.format)}, expected ${String(BUNDLE_FORMAT)}`);
  if (!toc.snapshot || typeof toc.snapshot.id !== 'string' || !HEX64.test(toc.snapshot.manifestSha256 ?? '')) throw bad('snapshot missing');
  if (!Number.isSafeInteger(toc.volumeSize) || toc.volumeSize < 1) throw bad('volumeSize');
  let offset = 0;
  for (const b of toc.blobs ?? []) {
    if (!HEX64.test(b.sha256) || !Number.isSafeInteger(b.size) || b.size < 0 || b.offset !== offset) throw bad(`blob entry ${JSON.stringify(b)}`);
    offset += b.size;
  }
  if (offset !== toc.totalBytes) throw bad(`blobs add up to ${offset} bytes, totalBytes says ${toc.totalBytes}`);
  const expected = Math.max(1, Math.ceil(offset / toc.volumeSize));
  if (!Array.isArray(toc.volumes) || toc.volumes.length !== expected) throw bad(`expected ${expected} volumes`);
  toc.volumes.forEach((v, i) => {
    if (v.name !== volumeName(i) || v.size !== Math.min(toc.volumeSize, offset - i * toc.volumeSize)) throw bad(`volume ${i}: ${JSON.stringify(v)}`);
  });
  return toc;
}

/**
 * For `ferry plan --offline`: which resources of a desired state no retained snapshot holds
 * with the same spec (kind, name and spec hash), i.e. what must come from the connected side.
 */
export function missingOffline(desired: { resources: ReadonlyArray<{ kind: string; name: string; hash: string }> }, retained: ReadonlyArray<SnapshotManifest>): Array<{ kind: string; name: string }> {
  const held = new Set<string>();
  for (const m of retained) for (const r of m.resources) held.add(`${r.kind}/${r.name}/${r.hash}`);
  return desired.resources.filter((r) => !held.has(`${r.kind}/${r.name}/${r.hash}`)).map((r) => ({ kind: r.kind, name: r.name }));
}
