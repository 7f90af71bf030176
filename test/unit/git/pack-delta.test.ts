import { describe, expect, it } from '@jest/globals';
import { applyDelta } from '../../../src/drivers/git/pack-delta.js';

const base = Buffer.from('0123456789abcdefghij');

describe('applyDelta', () => {
  it('copies ranges of the base and inserts literals', () => {
    // source 20, target 13; copy offset 10 size 6; insert "XYZ"; copy offset 0 size 4
    const delta = Buffer.from([20, 13, 0x80 | 0x01 | 0x10, 10, 6, 3, ...Buffer.from('XYZ'), 0x80 | 0x10, 4]);
    expect(applyDelta(delta, base).toString()).toBe('abcdefXYZ0123');
  });

  it('reads multi-byte sizes and treats a copy size of 0 as 0x10000', () => {
    const big = Buffer.alloc(0x10000 + 5, 1);
    const delta = Buffer.from([0x85, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80]);
    expect(applyDelta(delta, big).length).toBe(0x10000);
  });

  it.each([
    ['a base of the wrong size', Buffer.from([21, 1, 1, 65])],
    ['a copy past the end of the base', Buffer.from([20, 5, 0x80 | 0x01 | 0x10, 18, 5])],
    ['an insert past the end of the delta', Buffer.from([20, 5, 5, 65])],
    ['a result shorter than promised', Buffer.from([20, 5, 1, 65])],
    ['the reserved instruction 0', Buffer.from([20, 1, 0])],
    ['a truncated size', Buffer.from([0x80])],
  ])('rejects %s', (_what, delta) => {
    expect(() => applyDelta(delta, base)).toThrow(/malformed git delta/);
  });
});
