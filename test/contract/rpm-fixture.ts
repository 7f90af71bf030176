/** The rpm kind's contract fixture: a real repository (rpmbuild, createrepo_c, repomd.xml signed) on 127.0.0.1, mirrored partially. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpmKind } from '../../src/drivers/rpm/kind.js';
import { tempBlobStore, testFetcher } from '../helpers/deb-context.js';
import { makeGpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer } from '../helpers/deb-http.js';
import { buildRpmRepo } from '../helpers/rpm-repo.js';
import type { ContractFixture } from './driver-contract.js';

export const rpmFixture: ContractFixture = {
  kind: rpmKind,
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-contract-rpm-'));
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const key = await makeGpgKey();
    await buildRpmRepo(join(dir, 'upstream', 'repo'), { packages: [{ name: 'app', requires: ['webserver', '(liba or libb)'] }, { name: 'httpd', provides: ['webserver'] }, { name: 'libb' }, { name: 'other' }], key });
    const server = await startStaticServer(join(dir, 'upstream'));
    const spec = { url: `${server.url}/repo`, keys: [key.publicArmored], packages: ['app'] };
    return {
      stateDir,
      fetcher: testFetcher(),
      blobs: tempBlobStore(stateDir),
      spec,
      invalid: { ...spec, packages: ['app >= '] },
      cleanup: async () => {
        await server.close();
        await key.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
