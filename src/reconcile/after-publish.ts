/**
 * The step after a publish: each resource of the served snapshot whose kind asks for it
 * (Kind.afterPublish, e.g. an oci mirror with a push target) runs its driver's afterPublish.
 * Runs for a new snapshot, a re-published retained one and one already served, so a push cut
 * short is resumed by the next reconcile. Every resource's errors are collected and thrown at once.
 */
import { FerryError, FerryErrors, toFerryErrors } from '../core/ferry-error.js';
import { resourceId, type DesiredState } from '../core/resource.js';
import { kindOf } from '../drivers/registry.js';
import type { PublishContext } from '../drivers/types.js';
import type { SnapshotManifest } from '../store/types.js';

export async function afterPublish(snapshot: SnapshotManifest, desired: DesiredState, ctx: PublishContext): Promise<void> {
  const errors: FerryError[] = [];
  for (const r of snapshot.resources) {
    const kind = kindOf(r.kind);
    const resource = desired.resources.find((d) => d.kind === r.kind && d.name === r.name);
    if (!kind?.afterPublish || !resource || !kind.afterPublish(resource.spec)) continue;
    const driver = await kind.driver();
    if (!driver.afterPublish) continue;
    try {
      const spec = kind.parseSpec(resource.spec, { resource: resourceId(resource), site: desired.site });
      await driver.afterPublish(resource, spec, r, ctx);
    } catch (e) {
      const id = resourceId(r);
      errors.push(...toFerryErrors(e).map((err) => (err.data.resource ? err : new FerryError(err.code, `${id}: ${err.message}`, { ...err.data, resource: id }, err))));
    }
  }
  if (errors.length) throw new FerryErrors(errors, `snapshot ${snapshot.id} is published, but ${errors.length} step(s) after it failed:\n${errors.map((e) => `  ${e.describe()}`).join('\n')}`);
}
