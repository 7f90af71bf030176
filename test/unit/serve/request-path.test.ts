import { describe, it, expect } from '@jest/globals';
import { encodePath, parseRequestPath } from '../../../src/serve/request-path.js';

describe('parseRequestPath', () => {
  it.each([
    ['/', [], true, ''],
    ['/file/images/a.qcow2', ['file', 'images', 'a.qcow2'], false, ''],
    ['/file//images/', ['file', 'images'], true, ''],
    ['/pypi/x/simple/?format=json', ['pypi', 'x', 'simple'], true, '?format=json'],
    ['/deb/d/pool/main/g/gcc/gcc_1%3a12.2%2bb1.deb', ['deb', 'd', 'pool', 'main', 'g', 'gcc', 'gcc_1:12.2+b1.deb'], false, ''],
    ['/file/x/caf%C3%A9.txt', ['file', 'x', 'café.txt'], false, ''],
    ['/file/x/...', ['file', 'x', '...'], false, ''],
  ])('%s is safe', (target, segments, trailingSlash, query) => {
    expect(parseRequestPath(target)).toEqual({ ok: true, segments, trailingSlash, query });
  });

  it.each([
    undefined,
    '',
    'file/x',
    'http://evil/x',
    '/..',
    '/../x',
    '/a/./b',
    '/a/%2e%2e/b',
    '/a/%2E./b',
    '/a/.%2e/b',
    '/a/..%2fb',
    '/a/b%2Fc',
    '/a/b%5cc',
    '/a/b\\c',
    '/a/b%00',
    '/a/b\0',
    '/a/%zz',
    '/a/%C3',
    `/${'a'.repeat(9000)}`,
  ])('%s is refused', (target) => {
    expect(parseRequestPath(target).ok).toBe(false);
  });
});

describe('encodePath', () => {
  it('percent-encodes each segment and keeps the slashes between them', () => {
    expect(encodePath(['file', 'a b', 'c/d'])).toBe('/file/a%20b/c%2Fd');
    expect(encodePath(['snapshots', 'x'], { trailingSlash: true })).toBe('/snapshots/x/');
    expect(encodePath([], { trailingSlash: true })).toBe('/');
  });
});
