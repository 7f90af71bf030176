/** `ferry gc`: drop snapshots beyond retention, then blobs no retained snapshot uses (under the lock). */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('gc').description('remove snapshots beyond retention and unreferenced blobs').option('--keep <n>', 'snapshots to keep (default: the site retention of the current snapshot)').option('--wait', 'wait for another writer'), { writes: true }).action(
    action(async (opts: { state: string; keep?: string; wait?: boolean }) => {
      const { formatBytes } = await import('../../plan/format-plan.js');
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      const lock = await store.lock({ wait: opts.wait, purpose: 'gc' });
      try {
        const keep = opts.keep ? Number(opts.keep) : ((await store.current())?.site.retention ?? 10);
        const dropped = await store.prune(keep);
        const gc = await store.gc();
        process.stdout.write(`dropped ${dropped.length} snapshots; removed ${gc.removedBlobs} blobs (${formatBytes(gc.removedBytes)}) and ${gc.removedPartials} partial downloads and leftovers (${formatBytes(gc.removedPartialBytes ?? 0)})\n`);
      } finally {
        await lock.release();
      }
    }),
  );
}
