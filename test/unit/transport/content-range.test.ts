import { describe, expect, it } from '@jest/globals';
import { parseContentRange, rangeContinues } from '../../../src/transport/content-range.js';

describe('parseContentRange', () => {
  it.each([
    ['bytes 0-99/100', { unsatisfied: false, start: 0, end: 99, total: 100 }],
    ['bytes 100-199/1000', { unsatisfied: false, start: 100, end: 199, total: 1000 }],
    ['BYTES 5-5/6', { unsatisfied: false, start: 5, end: 5, total: 6 }],
    ['bytes 100-199/*', { unsatisfied: false, start: 100, end: 199, total: undefined }],
    ['bytes */1000', { unsatisfied: true, total: 1000 }],
    ['  bytes 1-2/3  ', { unsatisfied: false, start: 1, end: 2, total: 3 }],
  ])('%p', (value, expected) => expect(parseContentRange(value)).toEqual(expected));

  it.each([
    undefined,
    '',
    'bytes',
    'items 0-1/2',
    'bytes 200-100/1000',
    'bytes 0-100/100',
    'bytes -1-5/10',
    'bytes 0-1/2, 4-5/6',
    'bytes 0-99999999999999999999/*',
  ])('rejects %p', (value) => expect(parseContentRange(value)).toBeUndefined());
});

describe('rangeContinues', () => {
  it('accepts a range starting at the partial length', () => {
    expect(rangeContinues(parseContentRange('bytes 100-199/200'), 100)).toBe(true);
    expect(rangeContinues(parseContentRange('bytes 100-199/*'), 100, 200)).toBe(true);
    expect(rangeContinues(parseContentRange('bytes 100-199/200'), 100, 200)).toBe(true);
  });
  it('refuses another start, another total, or no range', () => {
    expect(rangeContinues(parseContentRange('bytes 0-199/200'), 100)).toBe(false);
    expect(rangeContinues(parseContentRange('bytes 101-199/200'), 100)).toBe(false);
    expect(rangeContinues(parseContentRange('bytes 100-299/300'), 100, 200)).toBe(false);
    expect(rangeContinues(parseContentRange('bytes */200'), 100)).toBe(false);
    expect(rangeContinues(undefined, 100)).toBe(false);
  });
});
