import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time, whatever their lengths: both sides are hashed first,
 * so neither the content nor the length of the expected value leaks through timing.
 */
export function safeEqual(actual: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(actual).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && Buffer.byteLength(actual) === Buffer.byteLength(expected);
}

/** True if `actual` equals one of `expected` (every candidate is compared, no early exit). */
export function safeEqualAny(actual: string, expected: readonly string[]): boolean {
  let found = false;
  for (const e of expected) found = safeEqual(actual, e) || found;
  return found;
}

/** Lower-case hex HMAC-SHA256 of the raw body. */
export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
