/**
 * Issue 12: files whose sha256 the model does not give. An md5 (given, or read from the
 * checksum file next to the image) is checked and the sha256 recorded; no digest at all is
 * trusted on first use and recorded; later reconciles take the recorded sha256.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileDriver } from '../../../src/drivers/file/driver.js';
import { fileKind } from '../../../src/drivers/file/kind.js';
import { parseChecksumFile } from '../../../src/drivers/file/checksum-file.js';
import type { Resource } from '../../../src/core/resource.js';
import { FakeFetcher } from '../../../src/transport/fake-fetcher.js';
import { FsBlobStore } from '../../../src/store/blob-store.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { ManifestResource } from '../../../src/store/types.js';

const IMAGE = 'qcow2 image bytes\n';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const resource = (files: unknown[]): Resource => ({ kind: 'file', name: 'images', hash: 'h', spec: { files } });
type FileContext = Parameters<typeof fileDriver.resolve>[2];
/** As the reconcile runs it: the kind's parseSpec, then the driver. */
const resolveFile = (r: Resource, ctx: FileContext) => fileDriver.resolve(r, fileKind.parseSpec(r.spec, { resource: 'file/images', site: { name: 's', retention: 1 } }), ctx);

describe('file digests other than sha256', () => {
  let dir: string;
  let blobs: FsBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-file-digests-'));
    blobs = new FsBlobStore(dir);
    await blobs.init();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const context = (fetcher: FakeFetcher, previous?: ManifestResource): FileContext =>
    ({ fetcher, blobs, logger: silentLogger, signal: new AbortController().signal, refresh: false, previous, stateDir: dir }) as unknown as FileContext;

  it('checks an md5 read from digest_url, stores the file and records its sha256', async () => {
    const fetcher = new FakeFetcher({ 'http://h/a.qcow2': IMAGE, 'http://h/a.qcow2.md5': `${md5(IMAGE)}  a.qcow2\n` });
    const r = resource([{ url: 'http://h/a.qcow2', digest_url: 'http://h/a.qcow2.md5', path: 'a.qcow2' }]);
    const res = await resolveFile(r, context(fetcher));
    expect(res.files).toEqual([{ path: 'a.qcow2', url: 'http://h/a.qcow2', sha256: sha256(IMAGE), size: IMAGE.length }]);
    expect(await blobs.has(sha256(IMAGE))).toBe(true);
    expect(Object.values(res.upstream?.pins as object)).toEqual([{ sha256: sha256(IMAGE), size: IMAGE.length, via: 'md5' }]);
    // The next reconcile takes the recorded sha256: nothing is asked upstream.
    const again = new FakeFetcher();
    const previous = { kind: 'file', name: 'images', hash: 'h', root: 'file/images', files: [], upstream: res.upstream };
    expect((await resolveFile(r, context(again, previous))).files[0].sha256).toBe(sha256(IMAGE));
    expect(again.calls).toEqual([]);
  });

  it('fails on an md5 mismatch, naming the URL, the expected and the actual digest', async () => {
    const fetcher = new FakeFetcher({ 'http://h/b.qcow2': IMAGE });
    const r = resource([{ url: 'http://h/b.qcow2', md5: '0'.repeat(32), path: 'b.qcow2' }]);
    await expect(resolveFile(r, context(fetcher))).rejects.toMatchObject({ code: 'FERRY_DIGEST_MISMATCH', data: { url: 'http://h/b.qcow2', expected: `md5:${'0'.repeat(32)}`, actual: `md5:${md5(IMAGE)}` } });
  });

  it('trusts the first download of a file without digest, and records it', async () => {
    const warnings: string[] = [];
    const fetcher = new FakeFetcher({ 'http://h/c.md5': 'whatever\n' });
    const ctx = { ...context(fetcher), logger: { ...silentLogger, warn: (m: string) => warnings.push(m) } } as FileContext;
    const res = await resolveFile(resource([{ url: 'http://h/c.md5', path: 'c.md5' }]), ctx);
    expect(res.files[0].sha256).toBe(sha256('whatever\n'));
    expect(Object.values(res.upstream?.pins as object)).toEqual([{ sha256: sha256('whatever\n'), size: 9, via: 'first-use' }]);
    expect(warnings[0]).toMatch(/no digest in the model: trusting its first download/);
  });

  it('reads md5sum and sha256sum output', () => {
    expect(parseChecksumFile(`${'a'.repeat(32)}  other\n${'b'.repeat(32)} *x.img\n`, 'x.img')).toEqual({ type: 'md5', hex: 'b'.repeat(32) });
    expect(parseChecksumFile(`${'C'.repeat(64)}\n`, 'x.img')).toEqual({ type: 'sha256', hex: 'c'.repeat(64) });
    expect(parseChecksumFile('not a digest', 'x.img')).toBeUndefined();
  });
});
