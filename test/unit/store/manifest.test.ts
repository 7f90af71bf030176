import { describe, it, expect } from '@jest/globals';
import { checkedPath, planTree } from '../../../src/store/manifest.js';
import { safeRelativePath } from '../../../src/core/safe-path.js';
import { FerryError } from '../../../src/core/ferry-error.js';

const outcome = (f: () => string) => {
  try {
    return f();
  } catch (e) {
    return e instanceof FerryError ? e.code : 'other error';
  }
};

describe('planTree', () => {
  it('checks paths exactly as safeRelativePath does (fast path included)', () => {
    const cases = ['a', 'a/b', './a', 'a/./b', 'a/', '/a', 'a//b', '..', 'a/..', '../a', 'a/../b', '.a', 'a..', '...', 'a/.b/c', 'a\\b', 'a\0b', '', '.', 'a/.', 'x/..y/z', 'pool/main/n/nginx/nginx_1.22_amd64.deb'];
    for (const c of cases) expect([c, outcome(() => checkedPath(c, {}))]).toEqual([c, outcome(() => safeRelativePath(c))]);
  });

  it('lists each folder once, including empty resource roots, and refuses file/folder clashes', () => {
    const sha = 'a'.repeat(64);
    const plan = planTree({
      desiredHash: 'h',
      site: { name: 's', retention: 1 },
      resources: [
        { kind: 'deb', name: 'd', hash: 'h', root: 'deb/d', files: [{ path: 'pool/a/x.deb', sha256: sha, size: 1 }, { path: 'pool/a/y.deb', sha256: sha, size: 1 }, { path: './dists/Release', sha256: sha, size: 1 }] },
        { kind: 'file', name: 'e', hash: 'h', root: 'file/e', files: [] },
      ],
    });
    expect(plan.entries.map((e) => e.rel)).toEqual(['deb/d/pool/a/x.deb', 'deb/d/pool/a/y.deb', 'deb/d/dists/Release']);
    expect([...plan.dirs].sort()).toEqual(['deb', 'deb/d', 'deb/d/dists', 'deb/d/pool', 'deb/d/pool/a', 'file', 'file/e']);
    expect(() =>
      planTree({ desiredHash: 'h', site: { name: 's', retention: 1 }, resources: [{ kind: 'file', name: 'f', hash: 'h', root: 'file/f', files: [{ path: 'x', sha256: sha, size: 1 }] }, { kind: 'file', name: 'x', hash: 'h', root: 'file/f/x', files: [] }] }),
    ).toThrow(/both a file and a folder/);
    expect(() => planTree({ desiredHash: 'h', site: { name: 's', retention: 1 }, resources: [{ kind: 'file', name: 'f', hash: 'h', root: 'file/f', files: [{ path: 'x', sha256: 'ABC', size: 1 }] }] })).toThrow(/sha256/);
  });
});
