import { describe, expect, it } from '@jest/globals';
import type { FerryError } from '../../../src/core/ferry-error.js';
import { chooseHead, selectRefs, type AdvertisedRef } from '../../../src/drivers/git/select-refs.js';

const oid = (n: number) => n.toString(16).padStart(40, '0');
const advertised: AdvertisedRef[] = [
  { ref: 'HEAD', oid: oid(1), target: 'refs/heads/main' },
  { ref: 'refs/heads/main', oid: oid(1) },
  { ref: 'refs/heads/develop', oid: oid(2) },
  { ref: 'refs/heads/release/2024.1', oid: oid(3) },
  { ref: 'refs/heads/v1.0', oid: oid(9) },
  { ref: 'refs/tags/v1.0', oid: oid(4) },
  { ref: 'refs/tags/v1.0^{}', oid: oid(1) },
  { ref: 'refs/tags/v2.0', oid: oid(5) },
  { ref: 'refs/changes/01/1/1', oid: oid(6) },
  { ref: 'refs/pull/1/head', oid: oid(7) },
];
const ctx = { repository: 'nginx', url: 'http://u:secret@host/nginx.git' };

describe('selectRefs', () => {
  it.each<[string[], string[], string]>([
    [['refs/heads/*', 'refs/tags/*'], ['refs/heads/develop', 'refs/heads/main', 'refs/heads/release/2024.1', 'refs/heads/v1.0', 'refs/tags/v1.0', 'refs/tags/v2.0'], 'refs/heads/main'],
    [['develop'], ['refs/heads/develop'], 'refs/heads/develop'],
    [['v2.0'], ['refs/tags/v2.0'], 'refs/heads/main'],
    [['v1.0'], ['refs/heads/v1.0'], 'refs/heads/v1.0'],
    [['refs/tags/v1.0'], ['refs/tags/v1.0'], 'refs/heads/main'],
    [['release/*'], ['refs/heads/release/2024.1'], 'refs/heads/release/2024.1'],
    [['refs/tags/v*', 'main'], ['refs/heads/main', 'refs/tags/v1.0', 'refs/tags/v2.0'], 'refs/heads/main'],
  ])('%j selects %j with HEAD %s', (patterns, refs, head) => {
    const selection = selectRefs(advertised, patterns, ctx);
    expect(Object.keys(selection.refs)).toEqual(refs);
    expect(selection.head).toBe(head);
    expect(selection.emptyGlobs).toEqual([]);
  });

  it('keeps the tag object id (not the peeled commit) and never selects other namespaces', () => {
    const selection = selectRefs(advertised, ['refs/heads/*', 'refs/tags/*'], ctx);
    expect(selection.refs['refs/tags/v1.0']).toBe(oid(4));
    expect(Object.keys(selection.refs).some((r) => r.includes('^{}') || r.startsWith('refs/changes') || r.startsWith('refs/pull'))).toBe(false);
  });

  it('reports a glob that matches nothing as a warning', () => {
    expect(selectRefs(advertised, ['main', 'refs/tags/rc*'], ctx).emptyGlobs).toEqual(['refs/tags/rc*']);
  });

  it('fails on a named ref upstream lacks, naming repository and redacted URL', () => {
    let error: FerryError | undefined;
    try {
      selectRefs(advertised, ['main', 'stable'], ctx);
    } catch (e) {
      error = e as FerryError;
    }
    expect(error?.code).toBe('FERRY_INVALID_MODEL');
    expect(error?.data).toMatchObject({ repository: 'nginx', expected: 'stable' });
    expect(error?.message).not.toContain('secret');
  });

  it('fails when nothing at all is selected (an empty repository)', () => {
    expect(() => selectRefs([], ['refs/heads/*'], ctx)).toThrow(/no ref/);
  });
});

describe('chooseHead', () => {
  it.each<[string | undefined, string[], string]>([
    ['refs/heads/main', ['refs/heads/main', 'refs/heads/master'], 'refs/heads/main'],
    ['refs/heads/gone', ['refs/heads/master', 'refs/heads/main'], 'refs/heads/master'],
    [undefined, ['refs/heads/main', 'refs/heads/b'], 'refs/heads/main'],
    [undefined, ['refs/heads/z', 'refs/heads/b'], 'refs/heads/b'],
    ['refs/heads/main', ['refs/tags/v1'], 'refs/heads/main'],
    [undefined, ['refs/tags/v1'], 'refs/heads/master'],
  ])('upstream %s, refs %j: %s', (upstream, refs, head) => {
    expect(chooseHead(upstream, refs)).toBe(head);
  });
});
