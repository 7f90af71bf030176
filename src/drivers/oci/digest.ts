/**
 * Content digests (OCI image-spec `descriptor.md` "Digests"): `algorithm:encoded`. Ferry stores
 * by sha256, so only sha256 digests are accepted; every manifest and blob is checked against
 * its digest before it is kept.
 */
import { FerryError, type ErrorData } from '../../core/ferry-error.js';

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The hex of a sha256 digest, or a FERRY_BAD_INDEX naming where it came from. */
export function sha256Of(digest: unknown, context: ErrorData): string {
  const m = typeof digest === 'string' ? SHA256_DIGEST.exec(digest) : null;
  if (m) return m[1];
  const why = typeof digest === 'string' && ANY_DIGEST.test(digest) ? `unsupported digest algorithm ${digest.split(':')[0]} (only sha256)` : 'not a digest';
  throw new FerryError('FERRY_BAD_INDEX', `${describe(context)}${typeof context.field === 'string' ? `${context.field}: ` : ''}${why}: ${JSON.stringify(digest)}`, { ...context, actual: digest });
}

function describe(context: ErrorData): string {
  const parts = [context.image, context.tag].filter((p) => typeof p === 'string');
  const url = typeof context.url === 'string' ? ` (${context.url})` : '';
  return parts.length ? `${parts.join(':')}${url}: ` : '';
}
