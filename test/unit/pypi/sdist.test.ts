/** An sdist's PKG-INFO from its tar stream (ustar, GNU long names, pax paths), bounded; PEP 643's rule. */
import { describe, expect, test } from '@jest/globals';
import { SdistError, readTarPkgInfo, sdistRequiresDistTrusted } from '../../../src/drivers/pypi/sdist.js';
import { makeTar } from '../../helpers/pypi-wheels.js';

async function* chunks(b: Buffer, size = 700): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const read = (b: Buffer, limits = { maxBytes: 1 << 20, maxScan: 1 << 24 }) => readTarPkgInfo(chunks(b), limits).then((x) => Buffer.from(x).toString());
const pkg = (v = '2.2') => ({ name: 'p-1.0/PKG-INFO', data: Buffer.from(`Metadata-Version: ${v}\nName: p\n`) });

describe('sdist PKG-INFO', () => {
  test('the top-level PKG-INFO, after other entries, in chunks that split headers', async () => {
    const tar = makeTar([{ name: 'p-1.0/setup.py', data: Buffer.alloc(1300, 0x61) }, { name: 'p-1.0/src/p.egg-info/PKG-INFO', data: Buffer.from('nested') }, pkg()]);
    expect(await read(tar)).toBe('Metadata-Version: 2.2\nName: p\n');
  });

  test('a GNU long name and a pax path name the next entry', async () => {
    const long = 'p-1.0/' + 'd/'.repeat(80) + 'x.py';
    const gnu = makeTar([{ name: '././@LongLink', type: 'L', data: Buffer.from(`${long}\0`) }, { name: 'truncated', data: Buffer.from('x') }, pkg()]);
    expect(await read(gnu)).toMatch(/^Metadata-Version: 2\.2/);
    const record = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let n = body.length + 1;
      while (`${n}${body}`.length !== n) n = `${n}${body}`.length;
      return `${n}${body}`;
    };
    const pax = makeTar([{ name: 'PaxHeader', type: 'x', data: Buffer.from(record('path', 'p-1.0/PKG-INFO')) }, { name: 'something-else', data: Buffer.from('Metadata-Version: 2.3\n') }]);
    expect(await read(pax)).toBe('Metadata-Version: 2.3\n');
  });

  test('refusals: no PKG-INFO, a bad checksum, too large, scanned too far', async () => {
    await expect(read(makeTar([{ name: 'p-1.0/setup.py', data: Buffer.from('x') }]))).rejects.toThrow(/has no <name>-<version>\/PKG-INFO/);
    const bad = makeTar([pkg()]);
    bad[0] ^= 1;
    await expect(read(bad)).rejects.toThrow(/header checksum/);
    await expect(read(makeTar([pkg()]), { maxBytes: 4, maxScan: 1 << 20 })).rejects.toMatchObject({ tooLarge: true });
    await expect(read(makeTar([{ name: 'p-1.0/big', data: Buffer.alloc(4096) }, pkg()]), { maxBytes: 1 << 20, maxScan: 1024 })).rejects.toBeInstanceOf(SdistError);
    await expect(read(Buffer.from('not a tar at all'))).rejects.toThrow(SdistError);
  });

  test('PEP 643: 2.2 or later and Requires-Dist not Dynamic', () => {
    expect(sdistRequiresDistTrusted({ metadataVersion: '2.2', dynamic: [] })).toBe(true);
    expect(sdistRequiresDistTrusted({ metadataVersion: '2.4', dynamic: ['License'] })).toBe(true);
    expect(sdistRequiresDistTrusted({ metadataVersion: '2.1', dynamic: [] })).toMatch(/before 2\.2/);
    expect(sdistRequiresDistTrusted({ metadataVersion: '3.0', dynamic: ['requires-dist'] })).toMatch(/Dynamic/);
    expect(sdistRequiresDistTrusted({ dynamic: [] })).toMatch(/no Metadata-Version/);
  });
});
