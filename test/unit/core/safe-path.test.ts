import { describe, expect, it } from '@jest/globals';
import { safeRelativePath } from '../../../src/core/safe-path.js';
import { redactUrl } from '../../../src/core/redact.js';
import { canonicalJson, hashValue } from '../../../src/core/hash.js';

describe('safeRelativePath', () => {
  it.each([['a/b/c.deb', 'a/b/c.deb'], ['./pool/x', 'pool/x'], ['a/./b', 'a/b']])('accepts %s', (input, out) => {
    expect(safeRelativePath(input)).toBe(out);
  });
  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\..\\b', 'a\0b', '', '.', 'a/..'])('rejects %j', (input) => {
    expect(() => safeRelativePath(input, { url: 'http://u' })).toThrow(/unsafe path/);
  });
  it('names the offending path and context in the error', () => {
    try {
      safeRelativePath('pool/../../../x', { resource: 'deb/x' });
      throw new Error('not thrown');
    } catch (e) {
      expect((e as { code: string }).code).toBe('FERRY_UNSAFE_PATH');
      expect((e as { data: Record<string, unknown> }).data).toMatchObject({ resource: 'deb/x', actual: 'pool/../../../x' });
    }
  });
});

describe('redactUrl', () => {
  it('hides credentials and query strings', () => {
    expect(redactUrl('https://user:secret@host/p?token=abc')).toBe('https://***:***@host/p?***');
    expect(redactUrl('http://host/p')).toBe('http://host/p');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(hashValue({ a: 1, b: 2 })).toBe(hashValue({ b: 2, a: 1 }));
  });
});
