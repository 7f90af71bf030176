import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';
import type { FerryError } from '../../../src/core/ferry-error.js';
import { objectLinks, type GitObjectType } from '../../../src/drivers/git/object-links.js';
import { writePackIndex } from '../../../src/drivers/git/pack-index.js';
import { PackWriter, gitObjectId } from '../../../src/drivers/git/pack-writer.js';

const enc = (s: string) => Buffer.from(s, 'utf8');

function treeEntry(mode: string, name: string, oid: string): Buffer {
  return Buffer.concat([enc(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]);
}

/** A blob, a large blob, a tree (with a submodule), a commit and an annotated tag. */
function sampleObjects(): Array<{ oid: string; type: GitObjectType; content: Buffer }> {
  const blob = enc('hello\n');
  const big = Buffer.alloc(70_000, 'x');
  const blobId = gitObjectId('blob', blob);
  const bigId = gitObjectId('blob', big);
  const submodule = 'f'.repeat(40);
  const tree = Buffer.concat([treeEntry('100644', 'README', blobId), treeEntry('100755', 'big', bigId), treeEntry('160000', 'vendor', submodule)]);
  const treeId = gitObjectId('tree', tree);
  const parent = 'a'.repeat(40);
  const commit = enc(`tree ${treeId}\nparent ${parent}\nauthor A <a@b> 0 +0000\ncommitter A <a@b> 0 +0000\n\nmessage\n\ntree ${'b'.repeat(40)}\n`);
  const commitId = gitObjectId('commit', commit);
  const tag = enc(`object ${commitId}\ntype commit\ntag v1\ntagger A <a@b> 0 +0000\n\nrelease\n`);
  return [
    { oid: gitObjectId('tag', tag), type: 'tag', content: tag },
    { oid: commitId, type: 'commit', content: commit },
    { oid: treeId, type: 'tree', content: tree },
    { oid: blobId, type: 'blob', content: blob },
    { oid: bigId, type: 'blob', content: big },
  ];
}

/** Reads one pack entry at `offset`: type code, size, inflated data, entry length. */
function readEntry(pack: Buffer, offset: number): { type: number; size: number; data: Buffer; length: number } {
  let p = offset;
  let byte = pack[p++];
  const type = (byte >> 4) & 7;
  let size = byte & 15;
  let shift = 4;
  while (byte & 0x80) {
    byte = pack[p++];
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  const data = inflateSync(pack.subarray(p), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  return { type, size, data: data.buffer, length: p - offset + data.engine.bytesWritten };
}

describe('objectLinks', () => {
  const [tag, commit, tree, blob] = sampleObjects();
  it('follows a tag to its object, a commit to its tree and parents only (not the message)', () => {
    expect(objectLinks('tag', tag.content, tag.oid)).toEqual([commit.oid]);
    expect(objectLinks('commit', commit.content, commit.oid)).toEqual([tree.oid, 'a'.repeat(40)]);
  });
  it('lists tree entries in order and leaves submodules out', () => {
    expect(objectLinks('tree', tree.content, tree.oid)).toEqual([blob.oid, sampleObjects()[4].oid]);
    expect(objectLinks('blob', blob.content, blob.oid)).toEqual([]);
  });
  it('rejects a truncated tree', () => {
    expect(() => objectLinks('tree', tree.content.subarray(0, 30), tree.oid)).toThrow(/truncated/);
  });
});

describe('PackWriter', () => {
  const objects = sampleObjects();
  const build = () => {
    const writer = new PackWriter();
    for (const o of objects) writer.add(o.oid, o.type, o.content);
    return writer.finish();
  };

  it('writes a version 2 pack whose entries inflate back to the objects, with a SHA-1 trailer', () => {
    const { pack, checksum, objects: count } = build();
    expect(count).toBe(5);
    expect(pack.subarray(0, 4).toString()).toBe('PACK');
    expect(pack.readUInt32BE(4)).toBe(2);
    expect(pack.readUInt32BE(8)).toBe(5);
    expect(createHash('sha1').update(pack.subarray(0, -20)).digest('hex')).toBe(checksum);
    expect(pack.subarray(-20).toString('hex')).toBe(checksum);
    let offset = 12;
    for (const o of objects) {
      const entry = readEntry(pack, offset);
      expect(entry.type).toBe({ commit: 1, tree: 2, blob: 3, tag: 4 }[o.type]);
      expect(entry.size).toBe(o.content.length);
      expect(entry.data.equals(o.content)).toBe(true);
      offset += entry.length;
    }
    expect(offset).toBe(pack.length - 20);
  });

  it('indexes every object: fan-out, sorted ids, CRC32s and offsets, checksums', () => {
    const { pack, idx, checksum } = build();
    expect(idx.readUInt32BE(0)).toBe(0xff744f63);
    expect(idx.readUInt32BE(4)).toBe(2);
    const n = idx.readUInt32BE(8 + 255 * 4);
    expect(n).toBe(5);
    const ids = Array.from({ length: n }, (_, i) => idx.toString('hex', 1032 + i * 20, 1032 + (i + 1) * 20));
    expect(ids).toEqual(objects.map((o) => o.oid).sort());
    for (let b = 0; b < 256; b++) expect(idx.readUInt32BE(8 + b * 4)).toBe(ids.filter((id) => Number.parseInt(id.slice(0, 2), 16) <= b).length);
    const crcAt = 1032 + n * 20;
    const offAt = crcAt + n * 4;
    ids.forEach((id, i) => {
      const offset = idx.readUInt32BE(offAt + i * 4);
      const entry = readEntry(pack, offset);
      expect(gitObjectId((['', 'commit', 'tree', 'blob', 'tag'] as const)[entry.type] as GitObjectType, entry.data)).toBe(id);
      expect(idx.readUInt32BE(crcAt + i * 4)).toBe(crc32(pack.subarray(offset, offset + entry.length)));
    });
    expect(idx.toString('hex', idx.length - 40, idx.length - 20)).toBe(checksum);
    expect(createHash('sha1').update(idx.subarray(0, -20)).digest().equals(idx.subarray(-20))).toBe(true);
  });

  it('gives the same bytes for the same objects in the same order', () => {
    const a = build();
    const b = build();
    expect(a.pack.equals(b.pack)).toBe(true);
    expect(a.idx.equals(b.idx)).toBe(true);
  });

  it('refuses an object whose content does not match its id', () => {
    const writer = new PackWriter();
    let error: FerryError | undefined;
    try {
      writer.add(objects[3].oid, 'blob', enc('tampered\n'));
    } catch (e) {
      error = e as FerryError;
    }
    expect(error?.code).toBe('FERRY_DIGEST_MISMATCH');
    expect(error?.data.expected).toBe(objects[3].oid);
  });
});

describe('writePackIndex', () => {
  it('moves offsets of 2 GiB and more to the 64-bit table', () => {
    const small = { oid: '01'.repeat(20), offset: 12, crc32: 1 };
    const large = { oid: '02'.repeat(20), offset: 2 ** 32 + 5, crc32: 2 };
    const idx = writePackIndex([large, small], Buffer.alloc(20, 7));
    const offAt = 1032 + 2 * 20 + 2 * 4;
    expect(idx.readUInt32BE(offAt)).toBe(12);
    expect(idx.readUInt32BE(offAt + 4)).toBe(0x80000000);
    expect(idx.readBigUInt64BE(offAt + 8)).toBe(BigInt(2 ** 32 + 5));
    expect(idx.length).toBe(offAt + 8 + 8 + 40);
  });
});
