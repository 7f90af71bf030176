import { describe, expect, it } from '@jest/globals';
import { FerryError } from '../../../src/core/ferry-error.js';

describe('FerryError.describe', () => {
  const expected = 'a'.repeat(64);
  const actual = 'b'.repeat(64);

  it('names the expected and actual digest of a mismatch whose message does not (issue 10)', () => {
    const e = new FerryError('FERRY_DIGEST_MISMATCH', 'http://up/x.deb: sha256 mismatch', { url: 'http://up/x.deb', expected, actual });
    expect(e.describe()).toBe(`http://up/x.deb: sha256 mismatch (expected ${expected}, actual ${actual})`);
  });

  it('says them once when the message already does', () => {
    const e = new FerryError('FERRY_DIGEST_MISMATCH', `sha256 of f is ${actual}, expected ${expected}`, { expected, actual });
    expect(e.describe()).toBe(`sha256 of f is ${actual}, expected ${expected}`);
  });

  it('adds nothing to other errors, and puts file:line first', () => {
    expect(new FerryError('FERRY_SCHEMA', 'bad', { file: 'a.yml', line: 3, expected: 1, actual: 2 }).describe()).toBe('a.yml:3: bad');
    expect(new FerryError('FERRY_SCHEMA', 'bad', { file: 'a.yml', line: 3, column: 7 }).describe()).toBe('a.yml:3:7: bad');
  });
});
