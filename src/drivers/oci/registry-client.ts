/**
 * The pull side of the distribution API v2 (OCI distribution-spec v1.1 "Pull", "Content
 * discovery"; Docker Registry HTTP API V2), on a Fetcher: tags (paginated with `n` and the
 * `Link` header), manifests by tag or digest (Accept: every type Ferry reads; at most
 * MAX_MANIFEST_BYTES; the digest checked against the bytes and against Docker-Content-Digest),
 * and blob URLs for the sync step (which verifies each blob's sha256 as it streams; a redirect to
 * a blob store is followed without the registry's credentials). Errors name image, reference
 * and URL. Bearer tokens come from the transport's challenge hook, with the pull scope hinted.
 */
import { FerryError, toFerryErrors } from '../../core/ferry-error.js';
import { sha256Hex } from '../../core/hash.js';
import { redactUrl } from '../../core/redact.js';
import type { Fetcher } from '../../transport/types.js';
import { MANIFEST_ACCEPT } from './media-types.js';

/** Manifests larger than this are refused (the distribution registry's own limit is 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const TAG_PAGE = 1000;
const MAX_TAG_PAGES = 1000;

export interface FetchedManifest {
  bytes: Buffer;
  /** The Content-Type the registry served (parseManifest prefers the document's own field). */
  contentType?: string;
  digest: string;
  url: string;
}

/** Docker Hub answers the API at registry-1.docker.io and keeps official images under `library/`. */
export function upstreamLocation(registry: string, name: string): { base: string; repository: string } {
  const url = new URL(registry);
  const hub = url.hostname === 'docker.io' || url.hostname === 'index.docker.io' || url.hostname === 'registry-1.docker.io';
  if (hub) url.hostname = 'registry-1.docker.io';
  const base = url.href.replace(/\/+$/, '');
  return { base, repository: hub && !name.includes('/') ? `library/${name}` : name };
}

export class RegistryClient {
  constructor(
    private readonly fetcher: Fetcher,
    /** `https://registry.example:5000` (no trailing slash, no /v2). */
    readonly base: string,
    private readonly signal: AbortSignal,
  ) {}

  scope(repository: string): string {
    return `repository:${repository}:pull`;
  }

  blobUrl(repository: string, digest: string): string {
    return `${this.base}/v2/${repository}/blobs/${digest}`;
  }

  manifestUrl(repository: string, reference: string): string {
    return `${this.base}/v2/${repository}/manifests/${reference}`;
  }

  /** Every tag of `repository`, following `Link: <…>; rel="next"` pages. */
  async listTags(repository: string, image: string): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `${this.base}/v2/${repository}/tags/list?n=${TAG_PAGE}`;
    for (let page = 0; url && page < MAX_TAG_PAGES; page++) {
      const r = await this.call(() => this.fetcher.get(url as string, { signal: this.signal, authScope: this.scope(repository), headers: { accept: 'application/json' }, maxBytes: 16 << 20 }), { image, url });
      let doc: { tags?: unknown };
      try {
        doc = JSON.parse(r.body.toString('utf8')) as { tags?: unknown };
      } catch (cause) {
        throw new FerryError('FERRY_BAD_INDEX', `image ${image}: tag list from ${redactUrl(url)} is not JSON`, { image, url: redactUrl(url) }, cause);
      }
      if (doc.tags !== null && doc.tags !== undefined && !Array.isArray(doc.tags)) throw new FerryError('FERRY_BAD_INDEX', `image ${image}: tag list from ${redactUrl(url)} has no tags array`, { image, url: redactUrl(url) });
      for (const t of (doc.tags ?? []) as unknown[]) if (typeof t === 'string') tags.push(t);
      url = nextLink(r.headers.link, r.url);
    }
    return [...new Set(tags)];
  }

  /**
   * GETs a manifest by tag or digest and checks its digest: by digest, the bytes must hash to
   * it; by tag, to the Docker-Content-Digest the registry sent, when it sent one.
   */
  async getManifest(repository: string, reference: string, image: string): Promise<FetchedManifest> {
    const url = this.manifestUrl(repository, reference);
    const where = { image, tag: reference, url: redactUrl(url) };
    const r = await this.call(async () => {
      try {
        return await this.fetcher.get(url, { signal: this.signal, authScope: this.scope(repository), headers: { accept: MANIFEST_ACCEPT }, maxBytes: MAX_MANIFEST_BYTES });
      } catch (e) {
        if (!(e instanceof FerryError) || e.code !== 'FERRY_SIZE_MISMATCH') throw e;
        throw new FerryError('FERRY_INDEX_TOO_LARGE', `manifest from ${where.url} is larger than the ${MAX_MANIFEST_BYTES >> 20} MiB cap (${String(e.data.actual)} bytes or more)`, { ...where, expected: `<=${MAX_MANIFEST_BYTES}`, actual: e.data.actual }, e);
      }
    }, where);
    const digest = `sha256:${sha256Hex(r.body)}`;
    const claimed = r.headers['docker-content-digest'];
    const expected = reference.startsWith('sha256:') ? reference : claimed?.startsWith('sha256:') ? claimed : undefined;
    if (expected !== undefined && expected !== digest) {
      throw new FerryError('FERRY_DIGEST_MISMATCH', `image ${image}:${reference}: manifest from ${redactUrl(url)} has digest ${digest}, expected ${expected}`, { ...where, expected, actual: digest });
    }
    return { bytes: r.body, contentType: r.headers['content-type'], digest, url };
  }

  /**
   * The digest a tag points to now, by HEAD (no body, and not counted by Docker Hub's pull
   * limit); undefined when the registry does not say (then the caller GETs).
   */
  async headDigest(repository: string, reference: string, image: string): Promise<string | undefined> {
    const send = this.fetcher.send?.bind(this.fetcher);
    if (!send) return undefined;
    const url = this.manifestUrl(repository, reference);
    const where = { image, tag: reference, url: redactUrl(url) };
    const r = await this.call(async () => {
      const answer = await send(url, { method: 'HEAD', signal: this.signal, authScope: this.scope(repository), headers: { accept: MANIFEST_ACCEPT } });
      if (answer.status < 200 || answer.status > 299) throw httpError(answer.status, where);
      return answer;
    }, where);
    const d = r.headers['docker-content-digest'];
    return d?.startsWith('sha256:') ? d : undefined;
  }

  /** Runs a request, adding image and reference to the message of whatever it throws. */
  private async call<T>(run: () => Promise<T>, where: { image: string; tag?: string; url: string }): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const [first, ...rest] = toFerryErrors(e);
      if (rest.length > 0 || first.code === 'FERRY_ABORTED') throw e;
      const ref = where.tag ? `${where.image}:${where.tag}` : where.image;
      const hint = first.data.status === 404 ? ' (not found)' : first.data.status === 401 || first.data.status === 403 ? ' (access denied: check the credentials for this registry)' : '';
      throw new FerryError(first.code, `image ${ref}: ${first.message}${hint}`, { ...first.data, image: where.image, ...(where.tag ? { tag: where.tag } : {}), url: first.data.url ?? redactUrl(where.url) }, first);
    }
  }
}

function httpError(status: number, where: { image: string; tag: string; url: string }): FerryError {
  return new FerryError('FERRY_HTTP_STATUS', `HTTP ${status} from ${where.url}`, { ...where, status });
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the page's URL. */
function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(m[2])) return new URL(m[1], base).href;
  }
  return undefined;
}
