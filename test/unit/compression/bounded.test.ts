import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { bounded, boundedText, decompressionLimits, DEFAULT_DECOMPRESSION_LIMITS } from '../../../src/compression/bounded.js';

async function drain(chunks: string[], src: Parameters<typeof bounded>[1]): Promise<number> {
  async function* gen() {
    for (const c of chunks) yield Buffer.from(c);
  }
  let n = 0;
  for await (const c of bounded(gen(), src)) n += c.length;
  return n;
}

const src = { resource: 'deb/x', url: 'http://up/Packages.gz', compression: 'gz' as const, compressedSize: 100 };

describe('bounded decompression (issue 11)', () => {
  it('passes an index within its bounds through unchanged', async () => {
    expect(await drain(['Package: a\n', 'Version: 1\n\n'], src)).toBe(23);
  });

  it('counts a line across chunks, and resets it at each newline', async () => {
    const limits = { ...DEFAULT_DECOMPRESSION_LIMITS, lineBytes: 10 };
    expect(await drain(['12345', '6789\n12', '3456789\n'], { ...src, limits })).toBe(20);
    await expect(drain(['12345', '678901', '\n'], { ...src, limits })).rejects.toThrow(/deb\/x: http:\/\/up\/Packages.gz: has a line longer than 10 bytes/);
    await expect(drain(['1\n12345678901\n'], { ...src, limits })).rejects.toMatchObject({ code: 'FERRY_INDEX_TOO_LARGE' });
  });

  it('stops at the uncompressed size the signed index lists', async () => {
    await expect(drain(['Package: a\n\n'], { ...src, expectedSize: 5 })).rejects.toThrow(/more than 5 bytes, the 5 bytes its signed index lists/);
  });

  it('bounds in-memory gzip (ERR_BUFFER_TOO_LARGE) and leaves JSON lines alone', () => {
    const big = gzipSync(Buffer.alloc(20 << 20, 'a'));
    expect(() => boundedText(big, { resource: 'pypi/x', url: 'u', compression: 'gz', lines: false })).toThrow(/decompresses to more than/);
    const json = JSON.stringify({ releases: 'x'.repeat(2 << 20) });
    expect(boundedText(gzipSync(json), { resource: 'pypi/x', url: 'u', compression: 'gz', lines: false })).toBe(json);
    expect(() => boundedText(gzipSync(json), { resource: 'pypi/x', url: 'u', compression: 'gz' })).toThrow(/line longer/);
  });

  it('takes the site settings, defaults for the rest', () => {
    expect(decompressionLimits({ limits: { index_expansion: 10 } })).toEqual({ ...DEFAULT_DECOMPRESSION_LIMITS, expansion: 10 });
    expect(decompressionLimits(undefined)).toEqual(DEFAULT_DECOMPRESSION_LIMITS);
  });
});
