/**
 * Reads manifest and index bytes (image-spec `manifest.md`, `image-index.md`; Docker Image
 * Manifest V2 Schema 2 and manifest lists). Pure: bytes and the Content-Type in, descriptors out.
 * The bytes themselves are never re-serialised: what is stored and served is what was fetched.
 */
import { FerryError, type ErrorData } from '../../core/ferry-error.js';
import { sha256Of } from './digest.js';
import { DOCKER_SCHEMA1, manifestKind } from './media-types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  /** Hex of the sha256 digest. */
  sha256: string;
  size: number;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type Manifest = ImageManifest | ImageIndex;

/** `linux/arm64/v8`. */
export function platformName(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Parses a manifest or index. The media type is the document's own `mediaType` field, else the
 * Content-Type it was served with. Unknown or Docker schema 1 types, malformed JSON and bad
 * descriptors are FERRY_BAD_INDEX errors naming `context` (image, tag, url).
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, context: ErrorData): Manifest {
  const where = `${[context.image, context.tag].filter(Boolean).join(':')} (${String(context.url ?? '')})`;
  const bad = (why: string, extra: ErrorData = {}) => new FerryError('FERRY_BAD_INDEX', `${where}: ${why}`, { ...context, ...extra });
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw bad('manifest is not JSON', { cause: String(cause) });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('manifest is not a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0].trim();
  const mediaType = declared ?? '';
  if (DOCKER_SCHEMA1.includes(mediaType) || doc.schemaVersion === 1) throw bad(`Docker schema 1 manifests are not supported (${mediaType || 'schemaVersion 1'})`, { actual: mediaType });
  const kind = manifestKind(mediaType) ?? (declared === undefined ? guessKind(doc) : undefined);
  if (!kind) throw bad(`unknown manifest media type ${JSON.stringify(mediaType)}`, { expected: 'OCI or Docker schema 2 manifest or index', actual: mediaType });
  if (doc.schemaVersion !== 2) throw bad(`schemaVersion ${JSON.stringify(doc.schemaVersion)}, expected 2`, { actual: doc.schemaVersion });
  const descriptor = (value: unknown, field: string): Descriptor => {
    if (typeof value !== 'object' || value === null) throw bad(`${field} is not a descriptor`);
    const d = value as Record<string, unknown>;
    const sha256 = sha256Of(d.digest, { ...context, field });
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`${field}.size is not a byte count`, { actual: d.size });
    if (typeof d.mediaType !== 'string') throw bad(`${field}.mediaType is missing`);
    const out: Descriptor = { mediaType: d.mediaType, digest: d.digest as string, sha256, size: d.size };
    const p = d.platform as Record<string, unknown> | undefined;
    if (p && typeof p.os === 'string' && typeof p.architecture === 'string') {
      out.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) };
    }
    if (Array.isArray(d.urls)) out.urls = d.urls.filter((u): u is string => typeof u === 'string');
    return out;
  };
  if (kind === 'index') {
    if (!Array.isArray(doc.manifests)) throw bad('index has no manifests list');
    return { kind, mediaType: mediaType || 'application/vnd.oci.image.index.v1+json', manifests: doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (!Array.isArray(doc.layers)) throw bad('manifest has no layers list');
  return {
    kind,
    mediaType: mediaType || 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(doc.config, 'config'),
    layers: doc.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
  };
}

/** An OCI document served without any media type: its shape says which it is (image-spec allows omitting it). */
function guessKind(doc: Record<string, unknown>): 'index' | 'manifest' | undefined {
  if (Array.isArray(doc.manifests)) return 'index';
  if (Array.isArray(doc.layers) && doc.config) return 'manifest';
  return undefined;
}
