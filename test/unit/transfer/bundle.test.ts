import { describe, expect, it } from '@jest/globals';
import { missingOffline, parseSize, parseToc, planBundle, volumeName } from '../../../src/transfer/bundle.js';
import type { SnapshotManifest } from '../../../src/store/types.js';

const d = (c: string) => c.repeat(64);
const manifest = (files: Array<[string, string, number]>, hash = 'h'): SnapshotManifest => ({
  id: '20261204T000000Z-00000000',
  createdAt: '',
  desiredHash: 'x',
  site: { name: 's', retention: 1 },
  resources: [{ kind: 'file', name: 'f', hash, root: 'file/f', files: files.map(([path, sha256, size]) => ({ path, sha256, size })) }],
});

describe('bundle layout', () => {
  it('lays out each distinct blob the base lacks once, sorted, across volumes that may split a blob', () => {
    const to = manifest([['a', d('b'), 10], ['b', d('a'), 7], ['c', d('b'), 10], ['d', d('c'), 5]]);
    const from = manifest([['d', d('c'), 5]]);
    const p = planBundle(to, from, 8);
    expect(p.blobs).toEqual([{ sha256: d('a'), size: 7, offset: 0 }, { sha256: d('b'), size: 10, offset: 7 }]);
    expect(p.totalBytes).toBe(17);
    expect(p.volumes).toEqual([{ name: volumeName(0), size: 8 }, { name: volumeName(1), size: 8 }, { name: volumeName(2), size: 1 }]);
    expect(planBundle(from, from, 8)).toEqual({ blobs: [], totalBytes: 0, volumes: [{ name: 'vol-0000.ferry', size: 0 }] });
  });

  it('parses sizes as people write them', () => {
    expect(parseSize('4G')).toBe(4 * 1024 ** 3);
    expect(parseSize('700M')).toBe(700 * 1024 ** 2);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1000')).toBe(1000);
    for (const bad of ['', '0', '-1', 'big', '4X']) expect(() => parseSize(bad)).toThrow(/not a size/);
  });

  it('refuses a table of contents whose offsets, totals or volumes do not add up', () => {
    const to = manifest([['a', d('a'), 10]]);
    const good = { format: 'ferry-bundle/1', createdAt: '', site: 's', snapshot: { id: to.id, desiredHash: 'x', manifestSha256: d('e') }, volumeSize: 4, ...planBundle(to, undefined, 4) };
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v));
    expect(parseToc(enc(good), 't').blobs).toHaveLength(1);
    expect(() => parseToc(enc({ ...good, totalBytes: 9 }), 't')).toThrow(/add up/);
    expect(() => parseToc(enc({ ...good, blobs: [{ ...good.blobs[0], offset: 1 }] }), 't')).toThrow(/blob entry/);
    expect(() => parseToc(enc({ ...good, volumes: good.volumes.slice(1) }), 't')).toThrow(/volumes/);
    expect(() => parseToc(enc({ ...good, format: 'zip' }), 't')).toThrow(/format/);
    expect(() => parseToc(Buffer.from('{'), 't')).toThrow(/table of contents/);
  });

  it('names the mirrors no retained snapshot holds with the same spec', () => {
    const held = manifest([], 'h1');
    const desired = { resources: [{ kind: 'file', name: 'f', hash: 'h1' }, { kind: 'file', name: 'g', hash: 'h2' }, { kind: 'file', name: 'f', hash: 'h3' }].slice(0, 2) };
    expect(missingOffline(desired, [held])).toEqual([{ kind: 'file', name: 'g' }]);
    expect(missingOffline({ resources: [{ kind: 'file', name: 'f', hash: 'h9' }] }, [held])).toEqual([{ kind: 'file', name: 'f' }]);
  });
});
