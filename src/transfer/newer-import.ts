/**
 * The offline site's refresh (issue 17). When the connected site refreshes its upstreams
 * without a model change (50 packages of a suite moved, say), its new snapshot has the same
 * desired state as the one the offline site serves; imported, it is the offline site's newer
 * content for an unchanged model, and `ferry apply` publishes it (the plan says "from bundle").
 *
 * Newer means built later where it was built: snapshot ids begin with their UTC build time, so
 * an imported snapshot is compared by the id it had on the exporting site, a local one by its
 * own. Returns the newest such import of `published`'s desired state, or null.
 */
import { hashTag } from '../store/snapshot-id.js';
import type { StateStore } from '../store/state-store.js';
import type { SnapshotManifest } from '../store/types.js';

const origin = (m: SnapshotManifest): string => m.imported?.snapshot ?? m.id;

export async function newerImport(store: StateStore, published: SnapshotManifest): Promise<SnapshotManifest | null> {
  let best: SnapshotManifest | null = null;
  // Only snapshots of this desired state are read (their ids end with its tag): a no-op apply
  // or poll parses no other manifest.
  const tag = `-${hashTag(published.desiredHash)}`;
  for (const id of await store.listIds()) {
    if (!id.endsWith(tag) || id === published.id) continue;
    const m = await store.get(id).catch(() => undefined);
    if (!m?.imported || m.desiredHash !== published.desiredHash) continue;
    if (origin(m) <= origin(published)) continue;
    if (!best || origin(m) > origin(best)) best = m;
  }
  return best;
}
