/**
 * The push side (distribution-spec v1.1 "Push"): a published snapshot's images go to the site
 * registry each image names as `target` (the seeds' flow: OPNFV Apex and MCP push upstream images
 * into a local registry), with their upstream tags and their local tags, byte-exact (same digests).
 *
 * Idempotent and resumable: every step first asks the target what it has (HEAD on the tag, the
 * manifest by digest, each blob), so a second push of the same snapshot costs one HEAD per tag,
 * and a push cut short continues where it stopped. A blob the target already holds in another
 * repository is mounted (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`) instead of
 * uploaded, where the registry allows it (a 202 answer means it does not: then it is uploaded).
 * Children of an index are pushed before the index, manifests before their tags. Errors name the
 * image, the reference, the target URL and the registry's error code.
 */
import { readFile } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import type { BlobStore } from '../../store/types.js';
import type { Fetcher, SendOptions, SendResult } from '../../transport/types.js';
import type { RepositoryEntry } from './catalog.js';
import { manifestKind } from './media-types.js';
import type { PushTarget } from './spec.js';

export interface PushCounts {
  manifests: number;
  tags: number;
  uploaded: number;
  mounted: number;
  /** Blobs, manifests and tags the target already had. */
  skipped: number;
}

export class RegistryPusher {
  readonly counts: PushCounts = { manifests: 0, tags: 0, uploaded: 0, mounted: 0, skipped: 0 };
  /** Blobs known to be in a repository of this target (digest -> repository), for mounts. */
  private readonly holders = new Map<string, string>();

  constructor(
    private readonly fetcher: Fetcher,
    private readonly blobs: BlobStore,
    private readonly signal: AbortSignal,
  ) {}

  /** Pushes one repository's manifests (children first), then its tags. */
  async pushImage(image: string, target: PushTarget, entry: RepositoryEntry): Promise<void> {
    const digests = Object.keys(entry.manifests).sort((a, b) => indexLast(entry, a) - indexLast(entry, b) || (a < b ? -1 : 1));
    for (const digest of digests) await this.pushManifest(image, target, entry, digest, digest);
    for (const [tag, digest] of Object.entries(entry.tags).sort()) await this.pushManifest(image, target, entry, digest, tag);
  }

  private async pushManifest(image: string, target: PushTarget, entry: RepositoryEntry, digest: string, reference: string): Promise<void> {
    const url = `${target.base}/v2/${target.repository}/manifests/${reference}`;
    const where = { image, tag: reference, url: redactUrl(url) };
    const head = await this.send(url, { method: 'HEAD', headers: { accept: ACCEPT } }, target, where);
    if (head.status === 200 && head.headers['docker-content-digest'] === digest) {
      this.counts.skipped++;
      return;
    }
    if (head.status !== 200 && head.status !== 404) throw pushError(head, where, 'checking the manifest');
    const m = entry.manifests[digest];
    if (reference === digest && manifestKind(m.mediaType) === 'manifest') {
      const bytes = await readFile(this.blobs.pathOf(digest.slice(7)));
      const doc = JSON.parse(bytes.toString('utf8')) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
      for (const d of [doc.config?.digest, ...(doc.layers ?? []).map((l) => l.digest)]) {
        if (typeof d === 'string' && entry.blobs[d] !== undefined) await this.ensureBlob(image, target, d, entry.blobs[d]);
      }
    }
    const body = await readFile(this.blobs.pathOf(digest.slice(7)));
    const put = await this.send(url, { method: 'PUT', headers: { 'content-type': m.mediaType }, body }, target, where);
    if (put.status !== 201 && put.status !== 200) throw pushError(put, where, 'putting the manifest');
    const stored = put.headers['docker-content-digest'];
    if (stored !== undefined && stored !== digest) {
      throw new FerryError('FERRY_DIGEST_MISMATCH', `push ${image}:${reference} to ${redactUrl(url)}: the registry stored digest ${stored}, expected ${digest}`, { ...where, expected: digest, actual: stored });
    }
    if (reference === digest) this.counts.manifests++;
    else this.counts.tags++;
  }

  private async ensureBlob(image: string, target: PushTarget, digest: string, size: number): Promise<void> {
    const repo = target.repository;
    const base = `${target.base}/v2/${repo}/blobs`;
    const where = { image, tag: digest, url: redactUrl(`${base}/${digest}`) };
    const head = await this.send(`${base}/${digest}`, { method: 'HEAD' }, target, where);
    if (head.status === 200) {
      this.counts.skipped++;
      this.holders.set(`${target.base} ${digest}`, repo);
      return;
    }
    const from = this.holders.get(`${target.base} ${digest}`);
    const start = await this.send(from && from !== repo ? `${base}/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : `${base}/uploads/`, { method: 'POST', headers: { 'content-length': '0' } }, target, where, from);
    if (start.status === 201) {
      this.counts.mounted++;
      this.holders.set(`${target.base} ${digest}`, repo);
      return;
    }
    if (start.status !== 202 || !start.headers.location) throw pushError(start, where, 'starting an upload');
    const location = new URL(start.headers.location, start.url);
    location.searchParams.set('digest', digest);
    const put = await this.send(location.href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: { file: this.blobs.pathOf(digest.slice(7)), size } }, target, where);
    if (put.status !== 201) throw pushError(put, where, 'uploading the blob');
    this.counts.uploaded++;
    this.holders.set(`${target.base} ${digest}`, repo);
  }

  private async send(url: string, o: Omit<SendOptions, 'signal'>, target: PushTarget, where: { image: string; tag: string; url: string }, mountFrom?: string): Promise<SendResult> {
    const send = this.fetcher.send?.bind(this.fetcher);
    if (!send) throw new FerryError('FERRY_INTERNAL', 'this fetcher cannot send requests other than GET');
    const scope = `repository:${target.repository}:pull,push`;
    try {
      return await send(url, { ...o, signal: this.signal, authScope: mountFrom ? `${scope} repository:${mountFrom}:pull` : scope });
    } catch (e) {
      if (e instanceof FerryError) throw new FerryError(e.code, `push ${where.image}:${where.tag}: ${e.message}`, { ...e.data, ...where }, e);
      throw e;
    }
  }
}

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

function indexLast(entry: RepositoryEntry, digest: string): number {
  return manifestKind(entry.manifests[digest].mediaType) === 'index' ? 1 : 0;
}

function pushError(r: SendResult, where: { image: string; tag: string; url: string }, doing: string): FerryError {
  let code = '';
  try {
    const doc = JSON.parse(r.body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    code = (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not an OCI error body
  }
  return new FerryError('FERRY_HTTP_STATUS', `push ${where.image}:${where.tag}: HTTP ${r.status} from ${redactUrl(r.url)} while ${doing}${code ? ` (${code})` : ''}`, { ...where, status: r.status, actual: code || undefined });
}

