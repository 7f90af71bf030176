/**
 * The `oci` kind: container images from distribution-API registries, served again as a
 * registry at /v2/ (pull side) from every retained snapshot, optionally pushed to a site registry.
 */
import type { Kind } from '../kind.js';

export const ociKind: Kind = {
  kind: 'oci',
  serving: { prefixes: ['v2'], headers: ['Docker-Content-Digest'] },
  /** Only mirrors naming a push target need the push after publish. */
  afterPublish: (spec) => spec.target !== undefined || (Array.isArray(spec.images) && spec.images.some((i) => (i as { target?: unknown }).target !== undefined)),
  driver: async () => (await import('./driver.js')).ociDriver,
};
