import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressionOf, readDecompressed } from '../../../src/compression/compression.js';
import { readBoundedIndex } from '../../../src/compression/bounded.js';

function zstd(data: Buffer): Buffer {
  try {
    return execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('zstd is missing: run scripts/install-rpm.sh', { cause: e });
    throw e;
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

describe('zstd indexes (rpm repodata primary.xml.zst)', () => {
  it('reads what the zstd program wrote, as a stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-zst-'));
    try {
      const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `<package><name>p${i}</name></package>\n`).join(''));
      await writeFile(join(dir, 'primary.xml.zst'), zstd(text));
      expect(compressionOf('repodata/x-primary.xml.zst')).toBe('zst');
      expect((await collect(readDecompressed(join(dir, 'primary.xml.zst'), 'zst'))).equals(text)).toBe(true);
      await writeFile(join(dir, 'bad.zst'), Buffer.from('not zstd at all'));
      await expect(collect(readDecompressed(join(dir, 'bad.zst'), 'zst'))).rejects.toMatchObject({ code: 'FERRY_BAD_INDEX' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops a zstd bomb at the bound, having decoded little past it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-zst-'));
    try {
      // 256 MiB of NULs compress to a few KB (the bound for those is 8 MiB).
      const bomb = execFileSync('sh', ['-c', 'head -c 268435456 /dev/zero | zstd -q -c -3'], { maxBuffer: 1 << 26 });
      await writeFile(join(dir, 'bomb.zst'), bomb);
      const before = process.memoryUsage().rss;
      await expect(collect(readBoundedIndex(join(dir, 'bomb.zst'), { resource: 'rpm/x', url: 'http://up/repodata/p-primary.xml.zst', compression: 'zst', lines: false }))).rejects.toMatchObject({
        code: 'FERRY_INDEX_TOO_LARGE',
      });
      expect(process.memoryUsage().rss - before).toBeLessThan(256 << 20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
