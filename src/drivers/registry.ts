/**
 * The drivers Ferry knows, by kind, loaded on first use (a driver may pull in a large library,
 * such as openpgp or isomorphic-git, that `ferry validate` has no need of). A kind without a
 * driver is reported by validation as a model error naming the mirror, so a model never
 * silently mirrors less than it says.
 */
import type { ResourceKind } from '../core/resource.js';
import type { Driver } from './types.js';

const loaders: Partial<Record<ResourceKind, () => Promise<Driver>>> = {
  deb: async () => (await import('./deb/driver.js')).debDriver,
  file: async () => (await import('./file/driver.js')).fileDriver,
  git: async () => (await import('./git/driver.js')).gitDriver,
};

export async function loadDriver(kind: ResourceKind): Promise<Driver | undefined> {
  return loaders[kind]?.();
}

export function supportedKinds(): ResourceKind[] {
  return (Object.keys(loaders) as ResourceKind[]).sort();
}
