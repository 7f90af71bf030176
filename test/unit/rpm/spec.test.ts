import { describe, it, expect } from '@jest/globals';
import { normalizeSpec, parsePackageQuery } from '../../../src/drivers/rpm/spec.js';

describe('rpm spec', () => {
  it('fills defaults: a full mirror, x86_64, deps on, weak deps off', () => {
    expect(normalizeSpec({ url: 'http://up/repo/' }, 'rpm/x')).toEqual({ url: 'http://up/repo', keys: [], architectures: ['x86_64'], packages: undefined, withDeps: true, weakDeps: false, bases: [] });
    expect(normalizeSpec({ url: 'http://up/r', architectures: ['noarch', 'aarch64'], with_deps: false, weak_deps: true }, 'rpm/x')).toMatchObject({ architectures: ['aarch64'], withDeps: false, weakDeps: true });
  });

  it('parses package entries: names, globs, versions', () => {
    expect(parsePackageQuery('nginx').relation).toEqual({ name: 'nginx' });
    expect(parsePackageQuery('python3-requests >= 1:2.25-1').relation).toEqual({ name: 'python3-requests', flags: 'GE', evr: { epoch: '1', version: '2.25', release: '1' } });
    expect(parsePackageQuery('httpd-*').glob?.test('httpd-tools')).toBe(true);
    expect(parsePackageQuery('httpd-*').glob?.test('xhttpd-tools')).toBe(false);
    expect(parsePackageQuery('/usr/bin/python3').relation).toEqual({ name: '/usr/bin/python3' });
  });

  it.each([
    [{ url: 'ftp://up/r' }, 'url'],
    [{ url: 'http://up/r', packages: [] }, 'packages'],
    [{ url: 'http://up/r', packages: ['ok', 'app >= '] }, 'packages[1]'],
    [{ url: 'http://up/r', packages: ['a b'] }, 'packages[0]'],
  ])('refuses %j naming %s', (spec, field) => {
    let thrown: unknown;
    try {
      normalizeSpec(spec, 'rpm/x');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'FERRY_INVALID_MODEL', data: { field } });
  });
});
