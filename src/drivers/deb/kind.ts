/** The `deb` kind: Debian and Ubuntu archives, whole or partial, re-signed with the site key. */
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { checkBases } from '../../validate/check-semantics.js';
import type { Kind } from '../kind.js';
import { debMcp } from './mcp/deb-mcp.js';
import { checkKeySources, keySourcesOf } from './key-ids.js';
import { debSchema } from './schema.js';
import { normalizeSpec, type DebSpec } from './spec.js';

export const debKind: Kind<DebSpec> = {
  kind: 'deb',
  schema: debSchema,
  parseSpec(spec, ctx) {
    // Key sources first (each key_id, and whether any key is given), then the rest of the spec.
    const errors = checkKeySources(keySourcesOf(spec, ctx.site)).errors.map(
      (e) => new FerryError('FERRY_INVALID_MODEL', `${ctx.resource}: ${e.path.join('.')}: ${e.message}`, { resource: ctx.resource, field: e.path }),
    );
    try {
      const parsed = normalizeSpec(spec, ctx.resource);
      if (errors.length === 0) return parsed;
    } catch (e) {
      for (const err of toFerryErrors(e)) if (!(err.data.field === 'keys' && errors.length)) errors.push(err);
    }
    throw errors.length === 1 ? errors[0] : new FerryErrors(errors);
  },
  checkSite: (mine, all) => checkBases(mine, all),
  notes(spec, site) {
    const { offline } = checkKeySources(keySourcesOf(spec, site));
    return offline ? [offline] : [];
  },
  contentTypes: {
    byExtension: {
      deb: 'application/vnd.debian.binary-package',
      udeb: 'application/vnd.debian.binary-package',
      ddeb: 'application/vnd.debian.binary-package',
      dsc: 'text/plain; charset=utf-8',
      changes: 'text/plain; charset=utf-8',
      buildinfo: 'text/plain; charset=utf-8',
    },
    // Debian archive indexes (Release, InRelease, Packages, Sources, Contents-*, Translation-*).
    plainTextNames: [/^(?:Release|InRelease|Packages|Sources|Index|Components|Translation-[A-Za-z_@.]+|Contents-[A-Za-z0-9-]+)$/],
  },
  mcp: debMcp,
  driver: async () => (await import('./driver.js')).debDriver,
};
