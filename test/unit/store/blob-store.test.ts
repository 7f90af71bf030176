import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { SYNCFS_MIN } from '../../../src/store/fs-util.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import { sha256Hex } from '../../../src/core/hash.js';

describe('FsBlobStore', () => {
  let dir: string;
  let blobs: FsBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-blobs-'));
    blobs = new FsBlobStore(dir);
    await blobs.init();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lays blobs out as objects/sha256/ab/<62 hex> and partials by digest', () => {
    const d = sha256Hex('x');
    expect(blobs.pathOf(d)).toBe(join(dir, 'objects', 'sha256', d.slice(0, 2), d.slice(2)));
    expect(blobs.partialPath(d)).toBe(join(dir, 'objects', 'partial', d));
    expect(blobs.tempPath()).not.toBe(blobs.tempPath());
    expect(() => blobs.pathOf('../../etc/passwd')).toThrow(FerryError);
    expect(() => blobs.pathOf(d.toUpperCase())).toThrow(FerryError);
  });

  it('putBytes stores read-only content under its digest, idempotently', async () => {
    const bytes = Buffer.from('hello ferry');
    const r = await blobs.putBytes(bytes);
    expect(r).toEqual({ sha256: sha256Hex(bytes), size: bytes.length });
    expect(await blobs.has(r.sha256)).toBe(true);
    expect(await readFile(blobs.pathOf(r.sha256), 'utf8')).toBe('hello ferry');
    expect((await stat(blobs.pathOf(r.sha256))).mode & 0o222).toBe(0);
    expect(await blobs.putBytes(bytes)).toEqual(r);
    expect(await readdir(blobs.tmpDir)).toEqual([]);
    expect(await blobs.has(sha256Hex('other'))).toBe(false);
  });

  it('adopt moves a verified file in; a second adopt of the same digest drops the file', async () => {
    const src = blobs.tempPath();
    await writeFile(src, 'payload');
    const d = sha256Hex('payload');
    await blobs.adopt(src, d, { verify: true });
    expect(await readFile(blobs.pathOf(d), 'utf8')).toBe('payload');
    await expect(stat(src)).rejects.toThrow();
    const again = blobs.tempPath();
    await writeFile(again, 'payload');
    await blobs.adopt(again, d);
    await expect(stat(again)).rejects.toThrow();
  });

  it('adopt with verify refuses a file whose content does not match, and leaves it in place', async () => {
    const src = join(dir, 'download');
    await writeFile(src, 'tampered');
    const expected = sha256Hex('original');
    const err = await blobs.adopt(src, expected, { verify: true }).catch((e: unknown) => e);
    expect((err as FerryError).code).toBe('FERRY_DIGEST_MISMATCH');
    expect((err as FerryError).data).toMatchObject({ expected, actual: sha256Hex('tampered') });
    expect(await blobs.has(expected)).toBe(false);
    expect(await readFile(src, 'utf8')).toBe('tampered');
  });
});

describe('FsBlobStore.adoptMany', () => {
  // A few files are fsynced each; a batch of SYNCFS_MIN or more is synced with the file system.
  it.each([10, SYNCFS_MIN + 5])('moves a batch of %i verified files into place, read-only, and drops duplicates of existing blobs', async (count) => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-adopt-many-'));
    try {
      const blobs = new FsBlobStore(dir);
      await blobs.init();
      const contents = Array.from({ length: count }, (_, i) => Buffer.from(`blob ${i}`));
      const existing = await blobs.putBytes(contents[0]);
      const entries = await Promise.all(
        [...contents, contents[3]].map(async (c, i) => {
          const sha256 = sha256Hex(c);
          if (i === contents.length) {
            // The same blob twice in one batch (two downloads of one digest): adopted once.
            const file = `${blobs.partialPath(sha256)}.again`;
            await writeFile(file, c);
            return { file, sha256 };
          }
          const file = blobs.partialPath(sha256);
          await writeFile(file, c);
          return { file, sha256 };
        }),
      );
      await blobs.adoptMany(entries);
      expect(existing.sha256).toBe(entries[0].sha256);
      for (const c of contents) {
        const path = blobs.pathOf(sha256Hex(c));
        expect(await readFile(path)).toEqual(c);
        expect((await stat(path)).mode & 0o777).toBe(0o444);
      }
      expect(await readdir(join(dir, 'objects', 'partial'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
