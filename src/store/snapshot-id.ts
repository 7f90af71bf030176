import { FerryError } from '../core/ferry-error.js';
import { sha256Hex } from '../core/hash.js';

/** `YYYYMMDDTHHMMSSmmmZ-<8 hex>`: sorts lexically in creation order. */
export const SNAPSHOT_ID_RE = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

let lastMs = 0;

/**
 * A new snapshot id for a desired hash. Time is UTC with milliseconds; within one process ids
 * are strictly increasing (a clash in the same millisecond moves to the next one), and
 * `bump` lets the caller step past an id already taken on disk by another process.
 */
export function newSnapshotId(desiredHash: string, options: { now?: Date; bump?: number } = {}): string {
  let ms = (options.now ?? new Date()).getTime() + (options.bump ?? 0);
  if (ms <= lastMs) ms = lastMs + 1;
  lastMs = ms;
  const iso = new Date(ms).toISOString(); // 2026-11-21T21:20:00.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 23)}Z`;
  return `${stamp}-${hashTag(desiredHash)}`;
}

/** The 8 hex characters of a desired hash that end a snapshot id. */
export function hashTag(desiredHash: string): string {
  const lower = desiredHash.toLowerCase();
  return /^[0-9a-f]{8}/.test(lower) ? lower.slice(0, 8) : sha256Hex(desiredHash).slice(0, 8);
}

/** Throws FERRY_SNAPSHOT_NOT_FOUND for anything that is not a well-formed id (no path tricks). */
export function checkSnapshotId(id: string): string {
  if (typeof id !== 'string' || !SNAPSHOT_ID_RE.test(id)) {
    throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', `not a snapshot id: ${JSON.stringify(id)}`, { actual: id, expected: 'YYYYMMDDTHHMMSSmmmZ-xxxxxxxx' });
  }
  return id;
}
