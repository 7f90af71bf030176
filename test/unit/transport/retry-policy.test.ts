import { describe, expect, it } from '@jest/globals';
import { FerryError } from '../../../src/core/ferry-error.js';
import { backoffDelay, isRetryableNetworkError, isRetryableStatus, parseRetryAfter, retryDecision, retryDelay } from '../../../src/transport/retry-policy.js';

describe('isRetryableStatus', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, false],
    [410, false],
    [416, false],
    [200, false],
    [304, false],
  ])('%i → %s', (status, expected) => expect(isRetryableStatus(status)).toBe(expected));
});

describe('isRetryableNetworkError', () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);
  it.each([
    ['connection reset', err({ code: 'ECONNRESET' }), true],
    ['refused', err({ code: 'ECONNREFUSED' }), true],
    ['undici socket closed', err({ code: 'UND_ERR_SOCKET' }), true],
    ['headers timeout', err({ code: 'UND_ERR_HEADERS_TIMEOUT' }), true],
    ['body timeout', err({ code: 'UND_ERR_BODY_TIMEOUT' }), true],
    ['content-length mismatch', err({ code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }), true],
    ['premature EOF', err({ code: 'FERRY_PREMATURE_EOF' }), true],
    ['reset wrapped in a cause', err({ cause: err({ code: 'ECONNRESET' }) }), true],
    ['abort', err({ name: 'AbortError', code: 'ECONNRESET' }), false],
    ['undici abort', err({ code: 'UND_ERR_ABORTED' }), false],
    ['no such host', err({ code: 'ENOTFOUND' }), false],
    ['plain error', new Error('boom'), false],
    ['not an object', 'ECONNRESET', false],
  ])('%s → %s', (_name, error, expected) => expect(isRetryableNetworkError(error)).toBe(expected));
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it.each([
    ['120', 120_000],
    [' 3 ', 3_000],
    ['0', 0],
    ['Sat, 21 Nov 2026 12:00:30 GMT', 30_000],
    ['Sat, 21 Nov 2026 11:59:00 GMT', 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%p → %p ms', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected));
});

describe('backoffDelay', () => {
  const options = { baseMs: 500, maxMs: 8_000 };
  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(0, { ...options, random: () => 0 })).toBe(250);
    expect(backoffDelay(0, { ...options, random: () => 0.999999 })).toBe(500);
    expect(backoffDelay(2, { ...options, random: () => 0 })).toBe(1_000);
    expect(backoffDelay(2, { ...options, random: () => 0.5 })).toBe(1_500);
  });
  it('is capped at maxMs', () => {
    expect(backoffDelay(20, { ...options, random: () => 0.999999 })).toBe(8_000);
    expect(backoffDelay(20, { ...options, random: () => 0 })).toBe(4_000);
  });
  it('stays in bounds with real randomness', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const step = Math.min(8_000, 500 * 2 ** attempt);
      const d = backoffDelay(attempt, options);
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});

describe('retryDelay', () => {
  const options = { baseMs: 100, maxMs: 1_000, maxRetryAfterMs: 60_000, random: () => 0 };
  it('prefers Retry-After, capped', () => {
    expect(retryDelay(0, 5_000, options)).toBe(5_000);
    expect(retryDelay(0, 3_600_000, options)).toBe(60_000);
    expect(retryDelay(0, 0, options)).toBe(0);
  });
  it('falls back to backoff', () => expect(retryDelay(1, undefined, options)).toBe(100));
});

describe('retryDecision', () => {
  const status = (s: number, extra: Record<string, unknown> = {}) => new FerryError('FERRY_HTTP_STATUS', 'x', { status: s, ...extra });
  it.each([
    ['503', status(503), { retry: true, retryAfterMs: undefined }],
    ['429 with Retry-After', status(429, { retryAfterMs: 2000 }), { retry: true, retryAfterMs: 2000 }],
    ['404', status(404), { retry: false }],
    ['403', status(403), { retry: false }],
    ['network reset', new FerryError('FERRY_NETWORK', 'x', {}, Object.assign(new Error('r'), { code: 'ECONNRESET' })), { retry: true }],
    ['network, unknown cause', new FerryError('FERRY_NETWORK', 'x', {}, new Error('weird')), { retry: false }],
    ['digest mismatch', new FerryError('FERRY_DIGEST_MISMATCH', 'x'), { retry: false }],
    ['aborted', new FerryError('FERRY_ABORTED', 'x'), { retry: false }],
    ['a bug', new TypeError('oops'), { retry: false }],
  ])('%s', (_name, error, expected) => expect(retryDecision(error)).toEqual(expected));
});
