/**
 * The kinds' own request handlers (Kind.serving.handler) in `ferry serve`: a request whose first
 * segment is a prefix a kind declares is offered to that kind's handler first (the oci registry
 * API at /v2/). Each handler is made on the first request it is offered, with a KindServeContext
 * over the same snapshot resolver the tree uses; answering false leaves the request to the tree.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Kind, KindRequestHandler, KindServeContext } from '../drivers/kind.js';
import { sendFile } from './file-response.js';
import type { ServedSnapshot, SnapshotResolver } from './snapshot-resolver.js';
import { openInTree } from './tree-entry.js';

export type KindDispatch = (req: IncomingMessage, res: ServerResponse, segments: readonly string[], query: string) => Promise<boolean>;

export function createKindDispatch(options: { kinds: readonly Kind[]; snapshots: SnapshotResolver; logger: Logger }): KindDispatch {
  const { snapshots, logger } = options;
  const ctx: KindServeContext = {
    current: async () => (await snapshots.current())?.snapshot ?? null,
    byId: (id) => snapshots.byId(id),
    list: () => snapshots.list(),
    async openFile(snapshot, segments) {
      // The snapshots handed out are the resolver's own (ServedSnapshot): a kind cannot make one.
      const entry = await openInTree(snapshot as ServedSnapshot, segments);
      if (entry === null) return null;
      return entry.kind === 'directory' ? 'directory' : { handle: entry.handle, size: entry.stat.size };
    },
    sendFile: (req, res, file) => sendFile({ req, res, file: { ...file, lastModifiedMs: file.lastModifiedMs } }),
    logger,
  };
  const owners = new Map<string, Kind>();
  for (const k of options.kinds) if (k.serving?.handler) for (const p of k.serving.prefixes ?? []) owners.set(p, k);
  const made = new Map<Kind, Promise<KindRequestHandler>>();
  return async (req, res, segments, query) => {
    const kind = segments[0] === undefined ? undefined : owners.get(segments[0]);
    if (!kind?.serving?.handler) return false;
    let handler = made.get(kind);
    if (!handler) {
      handler = kind.serving.handler(ctx);
      made.set(kind, handler);
    }
    return (await handler)(req, res, { segments, query });
  };
}
