import { describe, expect, it } from '@jest/globals';
import { redirectTarget, toTarget } from '../../../src/transport/request-target.js';
import { validatorOf } from '../../../src/transport/partial-meta.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('toTarget', () => {
  it('moves URL credentials into an Authorization header', () => {
    const t = toTarget('https://bob:pa%3Ass@mirror.example/debian/?x=1');
    expect(t.url.href).toBe('https://mirror.example/debian/?x=1');
    expect(t.authorization).toBe(basic('bob:pa:ss'));
  });
  it('leaves a plain URL alone', () => {
    expect(toTarget('http://h/a')).toEqual({ url: new URL('http://h/a'), authorization: undefined });
  });
  it('refuses other schemes and garbage, without echoing credentials', () => {
    expect(() => toTarget('ftp://u:secret@h/x')).toThrow(expect.objectContaining({ code: 'FERRY_USAGE' }));
    expect(() => toTarget('not a url')).toThrow(expect.objectContaining({ code: 'FERRY_USAGE' }));
    try {
      toTarget('ftp://u:secret@h/x');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secret');
    }
  });
});

describe('redirectTarget', () => {
  const from = toTarget('https://u:p@a.example/one/two');
  it('resolves relative locations and keeps credentials on the same origin', () => {
    const t = redirectTarget(from, '../three');
    expect(t.url.href).toBe('https://a.example/three');
    expect(t.authorization).toBe(basic('u:p'));
  });
  it('drops credentials on another origin (host, port or scheme)', () => {
    expect(redirectTarget(from, 'https://b.example/x').authorization).toBeUndefined();
    expect(redirectTarget(from, 'https://a.example:8443/x').authorization).toBeUndefined();
    expect(redirectTarget(from, 'http://a.example/x').authorization).toBeUndefined();
  });
  it('takes credentials written in the location itself', () => {
    expect(redirectTarget(from, 'https://v:q@b.example/x').authorization).toBe(basic('v:q'));
  });
  it('refuses a redirect to a non-http scheme', () => {
    expect(() => redirectTarget(from, 'file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'FERRY_NETWORK' }));
  });
});

describe('validatorOf', () => {
  it.each([
    [{ etag: '"abc"', 'last-modified': 'Sat, 21 Nov 2026 10:00:00 GMT' }, '"abc"'],
    [{ etag: 'W/"abc"', 'last-modified': 'Sat, 21 Nov 2026 10:00:00 GMT' }, 'Sat, 21 Nov 2026 10:00:00 GMT'],
    [{ 'last-modified': 'Sat, 21 Nov 2026 10:00:00 GMT' }, 'Sat, 21 Nov 2026 10:00:00 GMT'],
    [{ etag: 'W/"abc"' }, undefined],
    [{}, undefined],
  ])('%p → %p', (headers, expected) => expect(validatorOf(headers)).toBe(expected));
});
