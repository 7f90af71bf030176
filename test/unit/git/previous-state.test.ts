import { describe, expect, it } from '@jest/globals';
import { pinnedSelection, previousRepositoryState, reusableFiles } from '../../../src/drivers/git/previous-state.js';
import type { RefSelection } from '../../../src/drivers/git/select-refs.js';
import type { BlobStore, ManifestResource } from '../../../src/store/types.js';

const oid = (n: number) => n.toString(16).padStart(40, '0');
const sha = (n: number) => n.toString(16).padStart(64, '0');
const pack = 'c'.repeat(40);

function manifest(refs: Record<string, string>, head = 'refs/heads/master'): ManifestResource {
  const text = ['HEAD', 'config', 'refs/.keep', 'info/refs', 'packed-refs', 'objects/info/packs'];
  const packs = [`objects/pack/pack-${pack}.pack`, `objects/pack/pack-${pack}.idx`];
  return {
    kind: 'git',
    name: 'm',
    hash: 'h',
    root: 'git/m',
    files: [
      ...text.map((p, i) => ({ path: `a.git/${p}`, sha256: sha(i + 1), size: 1, generated: true })),
      ...packs.map((p, i) => ({ path: `a.git/${p}`, sha256: sha(i + 11), size: 1, url: 'http://x/a.git' })),
      { path: 'b.git/HEAD', sha256: sha(99), size: 1, generated: true },
    ],
    upstream: { repositories: { a: { url: 'http://x/a.git', head, refs } } },
  };
}

const blobs = (missing: string[] = []): BlobStore =>
  ({ has: async (s: string) => !missing.includes(s) }) as unknown as BlobStore;

const selection = (refs: Record<string, string>, head = 'refs/heads/master'): RefSelection => ({ refs, head, emptyGlobs: [] });

describe('reusableFiles', () => {
  const refs = { 'refs/heads/master': oid(1), 'refs/tags/v1': oid(2) };

  it('returns the repository folder of the previous snapshot when refs and HEAD are unchanged', async () => {
    const files = await reusableFiles({ previous: manifest(refs), name: 'a', dir: 'a.git', selection: selection({ ...refs }), blobs: blobs() });
    expect(files?.map((f) => f.path)).toHaveLength(8);
    expect(files?.every((f) => f.path.startsWith('a.git/'))).toBe(true);
  });

  it.each([
    ['a ref moved', selection({ ...refs, 'refs/heads/master': oid(3) })],
    ['a ref added', selection({ ...refs, 'refs/heads/dev': oid(1) })],
    ['a ref removed', selection({ 'refs/heads/master': oid(1) })],
    ['HEAD changed', selection({ ...refs }, 'refs/heads/dev')],
  ])('builds again when %s', async (_what, sel) => {
    expect(await reusableFiles({ previous: manifest(refs), name: 'a', dir: 'a.git', selection: sel, blobs: blobs() })).toBeUndefined();
  });

  it('builds again when a blob is gone, or there is no previous state', async () => {
    expect(await reusableFiles({ previous: manifest(refs), name: 'a', dir: 'a.git', selection: selection(refs), blobs: blobs([sha(5)]) })).toBeUndefined();
    expect(await reusableFiles({ previous: undefined, name: 'a', dir: 'a.git', selection: selection(refs), blobs: blobs() })).toBeUndefined();
    expect(await reusableFiles({ previous: manifest(refs), name: 'b', dir: 'b.git', selection: selection(refs), blobs: blobs() })).toBeUndefined();
  });

  it('builds again a folder of the earlier layout (one generated pack, no refs/.keep)', async () => {
    const old = manifest(refs);
    old.files = old.files.filter((f) => f.path !== 'a.git/refs/.keep').map((f) => ({ ...f, generated: true }));
    expect(await reusableFiles({ previous: old, name: 'a', dir: 'a.git', selection: selection(refs), blobs: blobs() })).toBeUndefined();
  });

  it('ignores malformed upstream state', () => {
    expect(previousRepositoryState({ ...manifest(refs), upstream: { repositories: { a: { head: 1, refs: {} } } } }, 'a')).toBeUndefined();
    expect(previousRepositoryState({ ...manifest(refs), upstream: { repositories: { a: { head: 'x', refs: { r: 2 } } } } }, 'a')).toBeUndefined();
  });
});

describe('pinnedSelection', () => {
  const refs = { 'refs/heads/master': oid(1) };
  const withPatterns = (patterns: unknown): ManifestResource => ({ ...manifest(refs), upstream: { repositories: { a: { url: 'http://x/a.git', head: 'refs/heads/master', refs, patterns } } } });

  it('pins the published refs when URL and patterns are the same', () => {
    expect(pinnedSelection(withPatterns(['master']), { name: 'a', redactedUrl: 'http://x/a.git', refs: ['master'] })).toEqual({ refs, head: 'refs/heads/master', emptyGlobs: [] });
  });

  it.each([
    ['another URL', ['master'], 'http://y/a.git', ['master']],
    ['other patterns', ['master'], 'http://x/a.git', ['master', 'refs/tags/*']],
    ['no recorded patterns', undefined, 'http://x/a.git', ['master']],
  ])('does not pin with %s', (_what, recorded, url, patterns) => {
    expect(pinnedSelection(withPatterns(recorded), { name: 'a', redactedUrl: url, refs: patterns })).toBeUndefined();
  });
});
