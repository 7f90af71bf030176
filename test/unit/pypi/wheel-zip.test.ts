/** Reading METADATA out of a wheel: stored and deflated entries, zip bombs, damaged zips. */
import { describe, expect, test } from '@jest/globals';
import { readWheelMetadata, WheelError } from '../../../src/drivers/pypi/wheel-zip.js';
import { makeWheel, makeZip } from '../../helpers/pypi-wheels.js';

const reader = (b: Buffer) => async (offset: number, length: number) => b.subarray(offset, offset + length);

describe('wheel METADATA', () => {
  test('a deflated METADATA reads back; only the directory and that entry are read', async () => {
    const w = makeWheel({ name: 'My.App', version: '1.0', requires: ['lib>=1'] });
    const reads: number[] = [];
    const read = async (o: number, l: number) => {
      reads.push(l);
      return w.bytes.subarray(o, o + l);
    };
    expect(Buffer.from(await readWheelMetadata(read, w.bytes.length, 'My_App', 1 << 20)).toString()).toBe(w.metadata!.toString());
    expect(reads.length).toBe(4);
  });

  test('a stored METADATA and a wheel with a foreign dist-info', async () => {
    const zip = makeZip([
      { name: 'vendored-1.0.dist-info/METADATA', data: Buffer.from('Name: vendored\n') },
      { name: 'app-1.0.dist-info/METADATA', data: Buffer.from('Name: app\n'), stored: true },
    ]);
    expect(Buffer.from(await readWheelMetadata(reader(zip), zip.length, 'app', 1 << 20)).toString()).toBe('Name: app\n');
  });

  test('a zip bomb as METADATA is refused at the bound, whatever size it claims', async () => {
    const bomb = Buffer.alloc(64 << 20, 0x41);
    const w = makeWheel({ name: 'app', version: '1.0', metadataEntry: { name: 'app-1.0.dist-info/METADATA', data: bomb, claimedSize: 100 } });
    expect(w.bytes.length).toBeLessThan(200_000);
    const err = await readWheelMetadata(reader(w.bytes), w.bytes.length, 'app', 1 << 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WheelError);
    expect((err as WheelError).tooLarge).toBe(true);
    expect((err as Error).message).toMatch(/inflates to more than 1048576 bytes/);
    const honest = makeWheel({ name: 'app', version: '1.0', metadataEntry: { name: 'app-1.0.dist-info/METADATA', data: bomb } });
    await expect(readWheelMetadata(reader(honest.bytes), honest.bytes.length, 'app', 1 << 20)).rejects.toThrow(/says its .* is 67108864 bytes/);
  });

  test('not a zip, no METADATA', async () => {
    const junk = Buffer.from('<html>not a wheel</html>');
    await expect(readWheelMetadata(reader(junk), junk.length, 'app', 1 << 20)).rejects.toThrow(/not a zip file/);
    const empty = makeZip([{ name: 'app/__init__.py', data: Buffer.from('') }]);
    await expect(readWheelMetadata(reader(empty), empty.length, 'app', 1 << 20)).rejects.toThrow(/no .dist-info\/METADATA/);
  });
});
