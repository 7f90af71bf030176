import { describe, expect, it } from '@jest/globals';
import { fileDriver } from '../../../src/drivers/file/driver.js';
import type { DriverContext } from '../../../src/drivers/types.js';
import type { Resource } from '../../../src/core/resource.js';

const sha = (c: string) => c.repeat(64);
const resource = (files: unknown[]): Resource => ({ kind: 'file', name: 'images', hash: 'h', spec: { files } });
const ctx = {} as DriverContext;

describe('file driver', () => {
  it('resolves the model files and generates a SHA256SUMS that sha256sum -c accepts', async () => {
    const r = resource([
      { url: 'http://h/b.img', sha256: sha('b'), size: 2, path: 'z/b.img' },
      { url: 'http://h/a.img', sha256: sha('a'), path: 'a.img' },
    ]);
    const resolution = await fileDriver.resolve(r, ctx);
    expect(resolution.files).toEqual([
      { path: 'z/b.img', url: 'http://h/b.img', sha256: sha('b'), size: 2 },
      { path: 'a.img', url: 'http://h/a.img', sha256: sha('a'), size: undefined },
    ]);
    const [sums] = await fileDriver.generate(r, resolution, ctx);
    expect(sums.path).toBe('SHA256SUMS');
    expect(new TextDecoder().decode(sums.content)).toBe(`${sha('a')}  a.img\n${sha('b')}  z/b.img\n`);
  });

  it('refuses two files at one path, naming both URLs', async () => {
    const r = resource([
      { url: 'http://h/1', sha256: sha('1'), path: 'x' },
      { url: 'http://h/2', sha256: sha('2'), path: 'x' },
    ]);
    await expect(fileDriver.resolve(r, ctx)).rejects.toThrow(/two files are published at x \(http:\/\/h\/1 and http:\/\/h\/2\)/);
  });

  it('refuses a path outside the mirror', async () => {
    await expect(fileDriver.resolve(resource([{ url: 'http://h/1', sha256: sha('1'), path: '../../etc/x' }]), ctx)).rejects.toThrow(/unsafe path/);
  });
});
