import { describe, it, expect } from '@jest/globals';
import { resolveClosure, Universe } from '../../../src/drivers/deb/resolve.js';
import type { DebPackage } from '../../../src/drivers/deb/format/package.js';

let offset = 0;
function pkg(name: string, version: string, more: Partial<DebPackage> = {}): DebPackage {
  return {
    name,
    version,
    arch: 'amd64',
    source: name,
    sourceVersion: version,
    filename: `pool/main/${name[0]}/${name}/${name}_${version}_${more.arch ?? 'amd64'}.deb`,
    size: 1,
    sha256: '0'.repeat(64),
    type: 'deb',
    mirror: 'self',
    suite: 'bookworm',
    component: 'main',
    index: 'i',
    ordinal: offset++,
    ...more,
  };
}

function closure(all: DebPackage[], roots: string[], options: { withRecommends?: boolean; architectures?: string[] } = {}) {
  const res = resolveClosure(new Universe(all), all.filter((p) => roots.includes(p.name) && p.mirror === 'self'), { self: 'self', architectures: options.architectures ?? ['amd64'], withRecommends: options.withRecommends });
  return { names: res.selected.map((p) => `${p.name}_${p.version}`), bases: res.fromBases.map((p) => p.name), unresolved: res.unresolved.map((u) => `${u.package}: ${u.relation}`) };
}

describe('resolveClosure', () => {
  it('aptly#1312: an alternative must not mark a package as seen', () => {
    // black: python3-tomli | python3 (>> 3.11); python3 is selected, so tomli is not needed there,
    // but python3-pep517 depends on python3-tomli and must still get it.
    const all = [
      pkg('black', '23.1', { depends: 'python3-tomli | python3 (>> 3.11)' }),
      pkg('python3', '3.11.2'),
      pkg('python3-pep517', '0.13', { arch: 'all', depends: 'python3-tomli, python3:any' }),
      pkg('python3-tomli', '2.0.1', { arch: 'all' }),
    ];
    all[1].multiArch = 'allowed';
    expect(closure(all, ['black', 'python3', 'python3-pep517']).names).toEqual(['black_23.1', 'python3-pep517_0.13', 'python3-tomli_2.0.1', 'python3_3.11.2']);
  });

  it('does not add an alternative when another one is selected later by a hard dependency', () => {
    const all = [pkg('a', '1', { depends: 'x | y' }), pkg('b', '1', { depends: 'y' }), pkg('x', '1'), pkg('y', '1')];
    expect(closure(all, ['a', 'b']).names).toEqual(['a_1', 'b_1', 'y_1']);
  });

  it('takes the first satisfiable alternative otherwise', () => {
    const all = [pkg('a', '1', { depends: 'missing | y (>= 2) | z' }), pkg('y', '1'), pkg('z', '1')];
    expect(closure(all, ['a']).names).toEqual(['a_1', 'z_1']);
  });

  it('aptly#357: dependencies in another component or a base mirror', () => {
    const all = [pkg('app', '1', { component: 'contrib', depends: 'lib1, base-lib' }), pkg('lib1', '1', { component: 'main' }), pkg('base-lib', '7', { mirror: 'os', depends: 'base-dep' }), pkg('base-dep', '1', { mirror: 'os' })];
    const r = closure(all, ['app']);
    expect(r.names).toEqual(['app_1', 'lib1_1']);
    expect(r.bases).toEqual(['base-dep', 'base-lib']);
    expect(r.unresolved).toEqual([]);
  });

  it('aptly#678: versioned Provides satisfy versioned relations, unversioned ones do not', () => {
    const all = [pkg('a', '1', { depends: 'virt (>= 2)' }), pkg('old-provider', '9', { provides: 'virt' }), pkg('provider', '1', { provides: 'virt (= 2.5)' })];
    expect(closure(all, ['a']).names).toEqual(['a_1', 'provider_1']);
    const none = [pkg('a', '1', { depends: 'virt (>= 2)' }), pkg('old-provider', '9', { provides: 'virt' })];
    expect(closure(none, ['a']).unresolved).toEqual(['a_1_amd64: virt (>= 2)']);
  });

  it('aptly#145: name:any needs Multi-Arch: allowed; name:native is the plain name', () => {
    const ok = [pkg('a', '1', { depends: 'perl:any, tool:native' }), pkg('perl', '5', { multiArch: 'allowed' }), pkg('tool', '1')];
    expect(closure(ok, ['a']).names).toEqual(['a_1', 'perl_5', 'tool_1']);
    const bad = [pkg('a', '1', { depends: 'perl:any' }), pkg('perl', '5')];
    expect(closure(bad, ['a']).unresolved).toEqual(['a_1_amd64: perl:any']);
  });

  it('follows Pre-Depends, picks the newest satisfying version, Recommends only when asked', () => {
    const all = [pkg('a', '1', { preDepends: 'p', depends: 'l (<< 3)', recommends: 'r' }), pkg('p', '1'), pkg('l', '2.9'), pkg('l', '3.0'), pkg('l', '1.0'), pkg('r', '1')];
    expect(closure(all, ['a']).names).toEqual(['a_1', 'l_2.9', 'p_1']);
    expect(closure(all, ['a'], { withRecommends: true }).names).toEqual(['a_1', 'l_2.9', 'p_1', 'r_1']);
  });

  it('resolves Architecture: all packages in every target architecture', () => {
    const all = [pkg('doc', '1', { arch: 'all', depends: 'helper' }), pkg('helper', '1'), pkg('helper', '1', { arch: 'arm64' })];
    expect(closure(all, ['doc'], { architectures: ['amd64', 'arm64'] }).names).toEqual(['doc_1', 'helper_1', 'helper_1']);
  });

  it('reports every unresolvable relation once per package', () => {
    const all = [pkg('a', '1', { depends: 'gone, also-gone | never' }), pkg('b', '1', { depends: 'gone' })];
    expect(closure(all, ['a', 'b']).unresolved).toEqual(['a_1_amd64: also-gone | never', 'a_1_amd64: gone', 'b_1_amd64: gone']);
  });

  it('issue 10: a Multi-Arch: foreign package of another target architecture satisfies a dependency, and is followed in its own', () => {
    const all = [
      pkg('app', '1', { arch: 'i386', depends: 'tool, libc' }),
      pkg('tool', '2', { multiArch: 'foreign', depends: 'libc' }),
      pkg('libc', '1'),
      pkg('libc', '1', { arch: 'i386' }),
      pkg('plain', '1', { arch: 'i386', depends: 'amd64-only' }),
      pkg('amd64-only', '1'),
      pkg('arm-tool', '1', { arch: 'arm64', multiArch: 'foreign' }),
      pkg('wants-arm', '1', { arch: 'i386', depends: 'arm-tool' }),
    ];
    const res = resolveClosure(new Universe(all), all.filter((p) => ['app', 'plain', 'wants-arm'].includes(p.name)), { self: 'self', architectures: ['amd64', 'i386'] });
    expect(res.selected.map((p) => `${p.name}:${p.arch}`)).toEqual(['app:i386', 'libc:amd64', 'libc:i386', 'plain:i386', 'tool:amd64', 'wants-arm:i386']);
    // Without Multi-Arch: foreign another architecture does not count; nor does an architecture the mirror does not hold.
    expect(res.unresolved.map((u) => `${u.package}: ${u.relation}`)).toEqual(['plain_1_i386: amd64-only', 'wants-arm_1_i386: arm-tool']);
  });

  it('prefers the same architecture to a foreign one', () => {
    const all = [pkg('app', '1', { arch: 'i386', depends: 'tool' }), pkg('tool', '2', { multiArch: 'foreign' }), pkg('tool', '1', { arch: 'i386', multiArch: 'foreign' })];
    expect(closure(all, ['app'], { architectures: ['amd64', 'i386'] }).names).toEqual(['app_1', 'tool_1']);
  });
});
