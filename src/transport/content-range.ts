/**
 * Content-Range parsing (RFC 9110 §14.4). Pure: takes the header value, returns numbers.
 *
 *   bytes 100-199/1000   → { start: 100, end: 199, total: 1000 }
 *   bytes 100-199/*      → { start: 100, end: 199, total: undefined }
 *   bytes * /1000        → { unsatisfied: true, total: 1000 } (the form of a 416 answer)
 *
 * Anything else (other units, end before start, end past total) gives undefined.
 */
export type ContentRange =
  | { unsatisfied: false; start: number; end: number; total: number | undefined }
  | { unsatisfied: true; total: number };

const RANGE = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;
const UNSATISFIED = /^bytes\s+\*\/(\d+)$/i;

export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const unsatisfied = UNSATISFIED.exec(text);
  if (unsatisfied) return { unsatisfied: true, total: Number(unsatisfied[1]) };
  const m = RANGE.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined;
  return { unsatisfied: false, start, end, total };
}

/**
 * Whether a 206 answer continues a partial file of `offset` bytes: its range must start exactly
 * there, and agree with the expected total size when one is known.
 */
export function rangeContinues(range: ContentRange | undefined, offset: number, expectedSize?: number): boolean {
  if (!range || range.unsatisfied) return false;
  if (range.start !== offset) return false;
  if (expectedSize !== undefined && range.total !== undefined && range.total !== expectedSize) return false;
  return true;
}
