/**
 * The `deb-publication` kind: deb mirrors of the site composed into one Debian repository and
 * served again under a folder of their own, as aptly publishes several mirrors under one prefix
 * (`/ubuntu/dists/xenial` with main, universe, ... and one pool). MCP's aptly `publisher`
 * translates into it (mcp.ts).
 */
import type { Kind } from '../../kind.js';
import { debPublicationMcp } from './mcp.js';
import { debPublicationSchema } from './schema.js';
import { checkPublications, parseDebPublicationSpec, type DebPublicationSpec } from './spec.js';

export const debPublicationKind: Kind<DebPublicationSpec> = {
  kind: 'deb-publication',
  schema: debPublicationSchema,
  parseSpec: parseDebPublicationSpec,
  checkSite: (mine, all) => checkPublications(mine, all),
  mcp: debPublicationMcp,
  driver: async () => (await import('./driver.js')).debPublicationDriver,
};
