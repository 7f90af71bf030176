/**
 * The drivers Ferry knows, by kind. A kind without a driver is reported by the reconcile as a
 * model error naming the mirror, so a model never silently mirrors less than it says.
 */
import type { ResourceKind } from '../core/resource.js';
import { debDriver } from './deb/driver.js';
import { fileDriver } from './file/driver.js';
import { gitDriver } from './git/driver.js';
import type { Driver } from './types.js';

const drivers = new Map<ResourceKind, Driver>([fileDriver, debDriver, gitDriver].map((d) => [d.kind, d]));

export function driverFor(kind: ResourceKind): Driver | undefined {
  return drivers.get(kind);
}

export function supportedKinds(): ResourceKind[] {
  return [...drivers.keys()].sort();
}
