/**
 * The deb-publication kind's contract fixture: a deb archive on 127.0.0.1 (signed by a fresh gpg
 * key), mirrored by a deb mirror of the site, published again under an aptly-style prefix.
 */
import { join } from 'node:path';
import { debPublicationKind } from '../../src/drivers/deb/publication/kind.js';
import { makeGpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import type { ContractFixture } from './driver-contract.js';
import { base } from './fixtures.js';

export const debPublicationFixture: ContractFixture = {
  kind: debPublicationKind,
  async setup() {
    let close: () => Promise<void> = async () => undefined;
    const s = await base(() => close(), 'ferry-contract-publication-');
    const key = await makeGpgKey();
    await makeUpstream(join(s.dir, 'upstream', 'debian'), [{ name: 'app', version: '1.0', depends: 'libfoo' }, { name: 'libfoo', version: '1.0' }, { name: 'other', version: '2.0' }], { key, byHash: true, real: false });
    const server = await startStaticServer(join(s.dir, 'upstream'));
    close = async () => {
      await server.close();
      await key.destroy();
    };
    const member = { url: `${server.url}/debian`, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], keys: [key.publicArmored], packages: ['app'] };
    const spec = { prefix: 'debian', distributions: { bookworm: [{ mirror: 'upstream-main', component: 'main' }] } };
    return {
      ...s,
      spec,
      others: [{ kind: 'deb', name: 'upstream-main', spec: member }],
      // The schema takes it; parseSpec refuses a second member published as the same component.
      invalid: { prefix: 'debian', distributions: { bookworm: [{ mirror: 'upstream-main' }, { mirror: 'other', component: 'main' }] } },
    };
  },
};
