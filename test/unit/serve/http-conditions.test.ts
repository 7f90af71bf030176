import { describe, it, expect } from '@jest/globals';
import { ifRangeAllows, isNotModified, parseRange, servedLastModified } from '../../../src/serve/http-conditions.js';

describe('parseRange', () => {
  it.each([
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-9', 100, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=50-1000', 100, { kind: 'partial', start: 50, end: 99 }],
    ['bytes=99-99', 100, { kind: 'partial', start: 99, end: 99 }],
    [' Bytes = 1 - 2 ', 100, { kind: 'partial', start: 1, end: 2 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    ['bytes=9-1', 100, { kind: 'full' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
    ['bytes=a-b', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
  ])('%s of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('isNotModified', () => {
  const etag = '"abc"';
  const lastModifiedMs = Date.parse('2026-11-21T21:00:00.750Z');
  it.each([
    [{ ifNoneMatch: '"abc"' }, true],
    [{ ifNoneMatch: 'W/"abc"' }, true],
    [{ ifNoneMatch: '"x", "abc"' }, true],
    [{ ifNoneMatch: '*' }, true],
    [{ ifNoneMatch: '"abcd"' }, false],
    [{ ifNoneMatch: 'abc' }, false],
    [{ ifModifiedSince: 'Sat, 21 Nov 2026 21:00:00 GMT' }, true],
    // Exact dates only (issue 10): a later date is a newer snapshot's copy after a rollback.
    [{ ifModifiedSince: 'Sat, 21 Nov 2026 22:00:00 GMT' }, false],
    [{ ifModifiedSince: 'Sat, 21 Nov 2026 21:00:01 GMT' }, false],
    [{ ifModifiedSince: 'Sat, 21 Nov 2026 20:59:59 GMT' }, false],
    [{ ifModifiedSince: 'yesterday' }, false],
    [{ ifNoneMatch: '"other"', ifModifiedSince: 'Sat, 21 Nov 2026 22:00:00 GMT' }, false],
    [{}, false],
  ])('%j', (headers, expected) => {
    expect(isNotModified({ ...headers, etag, lastModifiedMs })).toBe(expected);
  });
  it('matches no date when no Last-Modified is sent', () => {
    expect(isNotModified({ ifModifiedSince: 'Sat, 21 Nov 2026 21:00:00 GMT', etag, lastModifiedMs: undefined })).toBe(false);
  });
});

describe('ifRangeAllows', () => {
  const etag = '"abc"';
  const lastModifiedMs = Date.parse('2026-11-21T21:00:00.250Z');
  it.each([
    [undefined, true],
    ['"abc"', true],
    ['"abd"', false],
    ['W/"abc"', false],
    ['Sat, 21 Nov 2026 21:00:00 GMT', true],
    ['Sat, 21 Nov 2026 21:00:01 GMT', false],
    ['nonsense', false],
  ])('%s', (ifRange, expected) => {
    expect(ifRangeAllows({ ifRange, etag, lastModifiedMs })).toBe(expected);
  });
  it('matches no date when no Last-Modified is sent', () => {
    expect(ifRangeAllows({ ifRange: 'Sat, 21 Nov 2026 21:00:00 GMT', etag, lastModifiedMs: undefined })).toBe(false);
  });
});

describe('servedLastModified (issue 10: dates never go back across a publish)', () => {
  const t = (iso: string) => Date.parse(`2026-11-21T${iso}Z`);
  it.each([
    ['retained snapshot: the mtime itself', { mtimeMs: t('10:00:00.5'), nowMs: t('12:00:00') }, t('10:00:00.5')],
    ['published later than the file: the publish second', { mtimeMs: t('10:00:00.5'), publishedAtMs: t('11:00:00.9'), nowMs: t('12:00:00') }, t('11:00:00')],
    ['file newer than the publish (repaired blob): its second', { mtimeMs: t('11:30:00.2'), publishedAtMs: t('11:00:00'), nowMs: t('12:00:00') }, t('11:30:00')],
    ['published this very second: no date', { mtimeMs: t('10:00:00'), publishedAtMs: t('11:59:59.1'), nowMs: t('11:59:59.9') }, undefined],
    ['published the second before: a date', { mtimeMs: t('10:00:00'), publishedAtMs: t('11:59:58.9'), nowMs: t('11:59:59.0') }, t('11:59:58')],
  ])('%s', (_, options, expected) => {
    expect(servedLastModified(options)).toBe(expected);
  });
});
