import { describe, expect, it } from '@jest/globals';
import { buildDesiredState } from '../../../src/desired/desired-state.js';
import { registeredKinds } from '../../../src/drivers/registry.js';

const sha = 'b'.repeat(64);

describe('buildDesiredState', () => {
  const ferry = {
    site: { name: 'lab', retention: 3 },
    mirrors: {
      zeta: { kind: 'file' as const, files: [{ url: 'http://h/a/disk.img', sha256: sha }] },
      alpha: { kind: 'file' as const, files: [{ url: 'http://h/b.img', sha256: sha, path: 'x/b.img' }] },
      deb1: { kind: 'deb' as const, url: 'http://h/debian', suites: ['bookworm'] },
      off: { kind: 'file' as const, enabled: false, files: [] },
    },
  };

  it('sorts resources by kind then name and drops disabled ones', () => {
    const state = buildDesiredState(ferry, registeredKinds());
    expect(state.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(['deb/deb1', 'file/alpha', 'file/zeta']);
    expect(state.site.retention).toBe(3);
  });

  it('fills the default path of a file from its URL', () => {
    const state = buildDesiredState(ferry, registeredKinds());
    expect((state.resources[2].spec.files as Array<{ path: string }>)[0].path).toBe('disk.img');
  });

  it('gives the same hash whatever the key order, and a different one when a spec changes', () => {
    const a = buildDesiredState(ferry, registeredKinds());
    const reordered = buildDesiredState({ mirrors: Object.fromEntries(Object.entries(ferry.mirrors).reverse()), site: { retention: 3, name: 'lab' } }, registeredKinds());
    expect(reordered.hash).toBe(a.hash);
    const changed = buildDesiredState({ ...ferry, mirrors: { ...ferry.mirrors, deb1: { ...ferry.mirrors.deb1, suites: ['trixie'] } } }, registeredKinds());
    expect(changed.hash).not.toBe(a.hash);
    expect(changed.resources[1].hash).toBe(a.resources[1].hash);
  });

  it('does not change the hash when only the retention changes (same content)', () => {
    expect(buildDesiredState({ ...ferry, site: { name: 'lab', retention: 9 } }, registeredKinds()).hash).toBe(buildDesiredState(ferry, registeredKinds()).hash);
  });

  it('writing a default out does not change the hash', () => {
    const explicit = { ...ferry, mirrors: { ...ferry.mirrors, zeta: { kind: 'file' as const, files: [{ url: 'http://h/a/disk.img', sha256: sha, path: 'disk.img' }] } } };
    expect(buildDesiredState(explicit, registeredKinds()).hash).toBe(buildDesiredState(ferry, registeredKinds()).hash);
  });
});
