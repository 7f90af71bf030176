/**
 * aptly names most upstream keys by 8- or 16-hex-digit IDs (`gpgkeys: [437D05B5]`) and fetches
 * them from a keyserver. Such an ID can be forged (any key whose fingerprint ends in those digits
 * matches: the "evil32" collisions), so Ferry never fetches by it. The site lists the full
 * fingerprints it trusts once, and every aptly mirror's ID that one of them ends with resolves
 * to it:
 *
 *   parameters:
 *     ferry:
 *       mcp:
 *         key_fingerprints:
 *           - 630239CC130E1A7FD81A27B140976EAF437D05B5   # Ubuntu Archive Automatic Signing Key
 *           - 790BC7277767219C42C86F933B4FE6ACC0B21F32   # ... (2012)
 *
 * An ID two listed fingerprints end with is an error. A mirror with an ID none resolves is held
 * (Translated.held): listed loudly as unverifiable, never mirrored unverified. Pure.
 */
import { FerryError } from '../../../core/ferry-error.js';
import { isRecord, text, type McpPath } from '../../../core/mcp.js';

const AT: McpPath = ['ferry', 'mcp', 'key_fingerprints'];
const PATH = 'parameters.ferry.mcp.key_fingerprints';

/** Upper-case hex without spaces or `0x`. */
export function normalizeKeyId(id: string): string {
  return id.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
}

/** 8 or 16 hex digits: an ID that names a key without proving which one. */
function isShortKeyId(id: string): boolean {
  return /^[0-9A-F]{8}$|^[0-9A-F]{16}$/.test(normalizeKeyId(id));
}

const isFingerprint = (hex: string): boolean => /^[0-9A-F]{40}$|^[0-9A-F]{64}$/.test(hex);

export interface KeyFingerprints {
  /** Full fingerprints, normalized. */
  list: string[];
  errors: FerryError[];
}

/** `parameters.ferry.mcp.key_fingerprints`, checked: a list of full fingerprints. */
export function keyFingerprints(parameters: Record<string, unknown>): KeyFingerprints {
  const ferry = isRecord(parameters.ferry) ? parameters.ferry : undefined;
  const mcp = ferry && isRecord(ferry.mcp) ? ferry.mcp : undefined;
  const list: string[] = [];
  const errors: FerryError[] = [];
  if (!mcp || mcp.key_fingerprints === undefined || mcp.key_fingerprints === null) return { list, errors };
  if (!Array.isArray(mcp.key_fingerprints)) {
    errors.push(new FerryError('FERRY_SCHEMA', `${PATH}: must be a list of full OpenPGP fingerprints`, { path: PATH, at: AT }));
    return { list, errors };
  }
  mcp.key_fingerprints.forEach((value, i) => {
    const fpr = normalizeKeyId(text(value));
    if (isFingerprint(fpr)) list.push(fpr);
    else errors.push(new FerryError('FERRY_SCHEMA', `${PATH}.${i}: ${JSON.stringify(text(value))} is not a full OpenPGP fingerprint (40 or 64 hex digits, spaces and 0x allowed)`, { path: `${PATH}.${i}`, at: [...AT, i], actual: text(value) }));
  });
  return { list, errors };
}

export interface ResolvedKeyIds {
  /** What the deb kind's key_ids get: full fingerprints as given, short IDs replaced, duplicates dropped. */
  keyIds: string[];
  /** Short IDs no listed fingerprint ends with. */
  unresolved: string[];
  /** Short IDs more than one listed fingerprint ends with, with those fingerprints. */
  ambiguous: Array<{ id: string; fingerprints: string[] }>;
}

/** aptly's key IDs as the deb kind's key_ids, given the site's trusted fingerprints. */
export function resolveKeyIds(ids: readonly string[], fingerprints: readonly string[]): ResolvedKeyIds {
  const keyIds: string[] = [];
  const out: ResolvedKeyIds = { keyIds, unresolved: [], ambiguous: [] };
  const add = (k: string) => {
    if (!keyIds.includes(k)) keyIds.push(k);
  };
  for (const id of ids) {
    if (!isShortKeyId(id)) {
      add(id);
      continue;
    }
    const short = normalizeKeyId(id);
    const matches = fingerprints.filter((f) => f.endsWith(short));
    if (matches.length === 1) add(matches[0]);
    else if (matches.length === 0) out.unresolved.push(id);
    else out.ambiguous.push({ id, fingerprints: matches });
  }
  return out;
}
