/**
 * The example model stays valid for both deployments, and every file it names carries the
 * digest and size of what the example upstream serves (so the demo cannot drift).
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadDesired } from '../../../src/reconcile/apply-desired.js';
import { readModelDir } from '../../../src/source/model-source.js';
import { CATALOG_FILES, catalogSha256 } from '../../../examples/upstream/catalog.js';
import { REPO_ROOT } from '../../helpers/run-ferry.js';

const MODEL = join(REPO_ROOT, 'examples', 'cluster-model');

describe('examples/cluster-model', () => {
  it.each([
    ['mirror01.lab.local', ['file/images-cirros', 'file/images-ubuntu', 'file/tools']],
    ['mirror01.prod.local', ['deb/debian-bookworm', 'file/images-cirros', 'file/images-octavia', 'file/images-ubuntu', 'file/tools', 'git/salt-formulas']],
  ])('%s is valid and holds the expected mirrors', async (node, ids) => {
    const { desired } = loadDesired(await readModelDir(MODEL), { node });
    expect(desired.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(ids);
  });

  it('prod overrides the system class: more packages, a longer retention, a second path for the Ubuntu image', async () => {
    const { desired } = loadDesired(await readModelDir(MODEL), { node: 'mirror01.prod.local' });
    expect(desired.site).toMatchObject({ name: 'prod', retention: 30 });
    const deb = desired.resources.find((r) => r.name === 'debian-bookworm');
    expect(deb?.spec.packages).toEqual(expect.arrayContaining(['openssh-server', 'debootstrap']));
    const ubuntu = desired.resources.find((r) => r.name === 'images-ubuntu');
    expect((ubuntu?.spec.files as Array<{ path: string }>).map((f) => f.path)).toEqual(['jammy/jammy-server-cloudimg-amd64.img', 'ubuntu-22.04-server-cloudimg-amd64.img']);
  });

  it('names every file with the digest and size the example upstream serves', async () => {
    const { desired } = loadDesired(await readModelDir(MODEL), { node: 'mirror01.prod.local' });
    const catalog = new Map(CATALOG_FILES.map((f) => [f.path, f]));
    const files = desired.resources.filter((r) => r.kind === 'file').flatMap((r) => r.spec.files as Array<{ url: string; sha256: string; size: number }>);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const entry = catalog.get(new URL(f.url).pathname.replace(/^\/files\//, ''));
      expect(entry).toBeDefined();
      expect(f.size).toBe(entry!.size);
      expect(f.sha256).toBe(catalogSha256(entry!.path, entry!.size));
    }
  });
});
