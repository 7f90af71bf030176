/**
 * The `oci` kind: container images from distribution-API registries, served again as a
 * registry at /v2/ (pull side) from every retained snapshot, optionally pushed to a site registry.
 */
import type { Kind } from '../kind.js';
import { ociMcp } from './mcp.js';
import { registryNginx } from './nginx-registry.js';
import { ociSchema } from './schema.js';
import { planImages, readSpec, type OciSpec } from './spec.js';

export const ociKind: Kind<OciSpec> = {
  kind: 'oci',
  schema: ociSchema,
  parseSpec(spec, ctx) {
    const resource = { kind: 'oci', name: ctx.resource.slice('oci/'.length), spec, hash: '' };
    planImages(resource);
    return readSpec(resource);
  },
  serving: {
    prefixes: ['v2'],
    headers: ['Docker-Content-Digest'],
    // The registry API on top of the files: /v2/, _catalog, paginated tag lists, OCI errors.
    handler: async (ctx) => (await import('./serve-registry.js')).createRegistryHandler(ctx),
    // The same for nginx, through njs (share/nginx/ferry-registry.js).
    nginx: registryNginx,
  },
  /** Only mirrors naming a push target need the push after publish. */
  afterPublish: (spec) => spec.target !== undefined || (Array.isArray(spec.images) && spec.images.some((i) => (i as { target?: unknown }).target !== undefined)),
  mcp: ociMcp,
  driver: async () => (await import('./driver.js')).ociDriver,
};
