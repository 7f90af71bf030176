/**
 * What an oci mirror's snapshot holds, as the serving side reads it: `repositories.json` at the
 * resource root maps each served repository to its tags (tag -> manifest digest), its manifests
 * (digest -> media type and size) and its blobs (digest -> size); the bytes are under
 * `blobs/sha256/<hex>`, manifests and blobs alike, each once per mirror. The same folder is an
 * OCI image layout (`oci-layout`, `index.json` with one entry per tag), so image tools can read a
 * snapshot tree directly. Pure: builders and readers of these files.
 */
import { canonicalJson } from '../../core/hash.js';

export const CATALOG_FILE = 'repositories.json';

export interface RepositoryEntry {
  tags: Record<string, string>;
  manifests: Record<string, { mediaType: string; size: number }>;
  blobs: Record<string, number>;
}

export interface OciCatalog {
  version: 1;
  repositories: Record<string, RepositoryEntry>;
}

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

export function emptyEntry(): RepositoryEntry {
  return { tags: {}, manifests: {}, blobs: {} };
}

/** The catalog as stored: canonical JSON (sorted keys), so equal content gives equal bytes. */
export function catalogBytes(catalog: OciCatalog): Uint8Array {
  return new TextEncoder().encode(`${canonicalJson(catalog)}\n`);
}

/** Reads a stored catalog; undefined for anything that is not one. */
export function parseCatalog(text: string): OciCatalog | undefined {
  try {
    const c = JSON.parse(text) as OciCatalog;
    return c && c.version === 1 && typeof c.repositories === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** OCI image layout `index.json`: one descriptor per served tag, named `<repository>:<tag>`. */
export function layoutIndexBytes(catalog: OciCatalog): Uint8Array {
  const manifests: unknown[] = [];
  for (const repo of Object.keys(catalog.repositories).sort()) {
    const entry = catalog.repositories[repo];
    for (const tag of Object.keys(entry.tags).sort()) {
      const digest = entry.tags[tag];
      const m = entry.manifests[digest];
      manifests.push({ mediaType: m.mediaType, digest, size: m.size, annotations: { 'org.opencontainers.image.ref.name': `${repo}:${tag}` } });
    }
  }
  return new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
}

export const OCI_LAYOUT_BYTES = new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}');
