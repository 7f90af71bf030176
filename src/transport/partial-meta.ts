import { readFile, rm, writeFile } from 'node:fs/promises';

/**
 * The sidecar `<dest>.meta` of a partial download: which URL the bytes in `dest` came from and
 * the validator (strong ETag, else Last-Modified) of the response that started them, sent back
 * as If-Range so that a changed upstream file restarts instead of being spliced. `url` holds the
 * sha256 of the URL, not the URL, so that no token in a query string lands on disk.
 */
export interface PartialMeta {
  url: string;
  validator?: string;
}

function metaPath(dest: string): string {
  return `${dest}.meta`;
}

export async function readPartialMeta(dest: string): Promise<PartialMeta | undefined> {
  try {
    const parsed = JSON.parse(await readFile(metaPath(dest), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { url, validator } = parsed as { url?: unknown; validator?: unknown };
    if (typeof url !== 'string') return undefined;
    return { url, validator: typeof validator === 'string' ? validator : undefined };
  } catch {
    return undefined;
  }
}

export async function writePartialMeta(dest: string, meta: PartialMeta): Promise<void> {
  await writeFile(metaPath(dest), JSON.stringify(meta));
}

export async function removePartialMeta(dest: string): Promise<void> {
  await rm(metaPath(dest), { force: true });
}

/** The If-Range validator of a response: a strong ETag (RFC 9110 §13.1.5), else Last-Modified. */
export function validatorOf(headers: Record<string, string>): string | undefined {
  const etag = headers.etag;
  if (etag && !etag.startsWith('W/')) return etag;
  return headers['last-modified'];
}
