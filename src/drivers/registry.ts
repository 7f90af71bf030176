/**
 * The drivers Ferry knows, by kind. A kind without a driver is reported by the reconcile as a
 * model error naming the mirror, so a model never silently mirrors less than it says.
 */
import type { ResourceKind } from '../core/resource.js';
import { fileDriver } from './file/driver.js';
import type { Driver } from './types.js';

const drivers = new Map<ResourceKind, Driver>([[fileDriver.kind, fileDriver]]);

export function driverFor(kind: ResourceKind): Driver | undefined {
  return drivers.get(kind);
}

export function supportedKinds(): ResourceKind[] {
  return [...drivers.keys()].sort();
}
