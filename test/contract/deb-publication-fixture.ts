/**
 * The deb-publication kind's contract fixture: a deb archive on 127.0.0.1 (signed by a fresh gpg
 * key), mirrored by a deb mirror of the site, published again under an aptly-style prefix.
 */
import { debPublicationKind } from '../../src/drivers/deb/publication/kind.js';
import type { ContractFixture } from './driver-contract.js';
import { debArchiveSetup } from './fixtures.js';

export const debPublicationFixture: ContractFixture = {
  kind: debPublicationKind,
  async setup() {
    const { debSpec: member, ...s } = await debArchiveSetup('ferry-contract-publication-');
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
