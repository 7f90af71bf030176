/** The `rpm` kind: RPM repositories (repodata), whole or partial, re-signed with the site key. */
import { checkBases } from '../../validate/check-semantics.js';
import type { Kind } from '../kind.js';
import { rpmSchema } from './schema.js';
import { normalizeSpec, type RpmSpec } from './spec.js';

export const rpmKind: Kind<RpmSpec> = {
  kind: 'rpm',
  schema: rpmSchema,
  parseSpec: (spec, ctx) => normalizeSpec(spec, ctx.resource),
  checkSite: (mine, all) => checkBases(mine, all),
  notes(spec) {
    const keys = Array.isArray(spec.keys) ? spec.keys : [];
    return keys.length ? [] : ['no keys: upstream repomd.xml is not verified (only the checksums it lists are); give keys to check repodata/repomd.xml.asc'];
  },
  contentTypes: { byExtension: { key: 'application/pgp-keys' } },
  driver: async () => (await import('./driver.js')).rpmDriver,
};
