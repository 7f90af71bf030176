import { describe, expect, it } from '@jest/globals';
import { fileDriver } from '../../../src/drivers/file/driver.js';
import { fileKind } from '../../../src/drivers/file/kind.js';
import type { Resource } from '../../../src/core/resource.js';

const sha = (c: string) => c.repeat(64);
const resource = (files: unknown[]): Resource => ({ kind: 'file', name: 'images', hash: 'h', spec: { files } });
const ctx = {} as Parameters<typeof fileDriver.resolve>[2];
/** As the reconcile runs it: the kind's parseSpec (of a spec with its defaults filled), then the driver. */
const spec = (r: Resource) => fileKind.parseSpec(r.spec, { resource: 'file/images', site: { name: 's', retention: 1 } });

describe('file driver', () => {
  it('resolves the model files and generates a SHA256SUMS that sha256sum -c accepts', async () => {
    const r = resource([
      { url: 'http://h/b.img', sha256: sha('b'), size: 2, path: 'z/b.img' },
      { url: 'http://h/a.img', sha256: sha('a'), path: 'a.img' },
    ]);
    const resolution = await fileDriver.resolve(r, spec(r), ctx);
    expect(resolution.files).toEqual([
      { path: 'z/b.img', url: 'http://h/b.img', sha256: sha('b'), size: 2 },
      { path: 'a.img', url: 'http://h/a.img', sha256: sha('a'), size: undefined },
    ]);
    const {
      files: [sums],
    } = await fileDriver.generate(r, spec(r), resolution, ctx);
    expect(sums.path).toBe('SHA256SUMS');
    expect(new TextDecoder().decode(sums.content)).toBe(`${sha('a')}  a.img\n${sha('b')}  z/b.img\n`);
  });

  it('refuses two files at one path, naming both URLs', async () => {
    const r = resource([
      { url: 'http://h/1', sha256: sha('1'), path: 'x' },
      { url: 'http://h/2', sha256: sha('2'), path: 'x' },
    ]);
    expect(() => spec(r)).toThrow(/two files are published at x \(http:\/\/h\/1 and http:\/\/h\/2\)/);
  });

  it('refuses a path outside the mirror', async () => {
    expect(() => spec(resource([{ url: 'http://h/1', sha256: sha('1'), path: '../../etc/x' }]))).toThrow(/unsafe path/);
  });
});
