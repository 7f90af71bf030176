import { describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import { FerryError } from '../../../src/core/ferry-error.js';
import { foldDiskFull } from '../../../src/store/disk-full.js';

const enospc = (path: string) => Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', path });

describe('a full disk is one error (issue 11, defect 5)', () => {
  it('folds 1,292 ENOSPC failures into one FERRY_DISK_FULL with the path, free and needed space; keeps the others', async () => {
    const errors = Array.from({ length: 1292 }, (_, i) => new FerryError('FERRY_INTERNAL', 'write failed', {}, enospc(`/state/objects/partial/${i}`)));
    errors.push(new FerryError('FERRY_HTTP_STATUS', 'http://up/x: 404', { url: 'http://up/x' }));
    const folded = await foldDiskFull(errors, { dir: tmpdir(), neededBytes: 3 * 1024 * 1024 });
    expect(folded.map((e) => e.code)).toEqual(['FERRY_DISK_FULL', 'FERRY_HTTP_STATUS']);
    expect(folded[0].message).toMatch(/^disk full: no space left on the file system of .*; [\d.]+ MiB free; this run needed 3.0 MiB for its downloads \(1292 write\(s\) failed, first \/state\/objects\/partial\/0\)/);
    expect(folded[0].data).toMatchObject({ failures: 1292, file: '/state/objects/partial/0' });
  });

  it('leaves other failures alone', async () => {
    const e = new FerryError('FERRY_NETWORK', 'reset');
    expect(await foldDiskFull([e], { dir: tmpdir() })).toEqual([e]);
  });
});
