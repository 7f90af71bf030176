/**
 * Packs every object reachable from a set of tips (commits, trees, blobs, annotated tags) out of
 * the cache, walking depth first from the tips in the order given and each object's links in
 * the order its content lists them. The same tips over the same history therefore give the same
 * pack, byte for byte, whatever packs the cache holds them in, and whether objects are copied
 * from a previously published pack or compressed anew.
 */
import { openCacheObjects } from './cache-objects.js';
import { objectLinks, type GitObjectType } from './object-links.js';
import { PackWriter, type BuiltPack } from './pack-writer.js';
import type { PublishedEntries } from './published-entries.js';

export interface ReachablePack extends BuiltPack {
  /** For each tip that is an annotated tag: the first object down its chain that is not a tag. */
  peeled: Record<string, string>;
  /** Objects copied from the previous pack. */
  copied: number;
}

export interface PackReachableOptions {
  gitdir: string;
  /** Object ids to start from (deduplicated, order kept). */
  tips: string[];
  signal: AbortSignal;
  /** A pack published before for this repository: its objects are copied, not rebuilt. */
  previous?: PublishedEntries;
}

export async function packReachable(options: PackReachableOptions): Promise<ReachablePack> {
  const read = await openCacheObjects(options.gitdir, { signal: options.signal });
  const writer = new PackWriter();
  const seen = new Set<string>();
  let copied = 0;
  const tagTargets = new Map<string, string>();
  const stack = [...new Set(options.tips)].reverse();
  while (stack.length > 0) {
    const oid = stack.pop() as string;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (seen.size % 512 === 0) options.signal.throwIfAborted();
    const published = options.previous?.get(oid);
    let type: GitObjectType;
    let content: Uint8Array;
    if (published) {
      copied++;
      writer.addEntry(oid, published.entry);
      type = published.type;
      // Blobs link to nothing: their bytes are never needed.
      content = type === 'blob' ? Buffer.alloc(0) : published.content();
    } else {
      ({ type, content } = await read(oid));
      writer.add(oid, type, content);
    }
    const links = objectLinks(type, content, oid);
    if (type === 'tag' && links[0]) tagTargets.set(oid, links[0]);
    for (let i = links.length - 1; i >= 0; i--) if (!seen.has(links[i])) stack.push(links[i]);
  }
  const peeled: Record<string, string> = {};
  for (const tip of options.tips) {
    let target = tip;
    for (let depth = 0; tagTargets.has(target) && depth < 64; depth++) target = tagTargets.get(target) as string;
    if (target !== tip) peeled[tip] = target;
  }
  return { ...writer.finish(), peeled, copied };
}
