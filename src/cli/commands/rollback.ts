/**
 * `ferry rollback [SNAPSHOT]`: publish a retained snapshot again (default: the one published
 * before the current). No download: the snapshot is still on disk. Automatic reconciliation
 * by a controller is suspended until `ferry resume`, so the next poll does not undo it.
 */
import type { Command } from 'commander';
import { FerryError } from '../../core/ferry-error.js';
import type { StateStore } from '../../store/state-store.js';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('rollback [snapshot]').description('publish a retained snapshot again (default: the previous one) and suspend automatic reconciliation').option('--wait', 'wait for another writer').option('--no-suspend', 'do not suspend automatic reconciliation'), { writes: true }).action(
    action(async (snapshot: string | undefined, opts: { state: string; wait?: boolean; suspend: boolean }) => {
      const { appendEvent } = await import('../../controller/events/event-log.js');
      const { setSuspended } = await import('../../controller/suspension.js');
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      const lock = await store.lock({ wait: opts.wait, purpose: 'rollback' });
      try {
        const current = await store.current();
        const target = snapshot ? await store.get(snapshot) : await previousOf(store, current?.id);
        // Suspend first: a running controller that saw the switch before the suspension would
        // try to apply the branch head again.
        if (opts.suspend) await setSuspended(store.root, { suspended: true, reason: `rollback to ${target.id}`, by: 'ferry rollback' });
        await store.publish(target.id, { commit: target.commit, desiredHash: target.desiredHash, action: 'rollback' });
        await appendEvent(store.root, { type: 'RolledBack', message: `rolled back to ${target.id}`, snapshot: target.id, revision: target.commit, by: 'ferry rollback' });
        process.stdout.write(`published ${target.id}${target.commit ? ` (commit ${target.commit.slice(0, 12)})` : ''}${opts.suspend ? '; automatic reconciliation suspended until `ferry resume`' : ''}\n`);
      } finally {
        await lock.release();
      }
    }),
  );
}

async function previousOf(store: StateStore, currentId: string | undefined) {
  const retained = new Set((await store.list()).map((s) => s.id));
  const history = await store.history();
  for (let i = history.length - 1; i >= 0; i--) {
    const id = history[i].snapshot;
    if (id !== currentId && retained.has(id)) return store.get(id);
  }
  throw new FerryError('FERRY_SNAPSHOT_NOT_FOUND', 'no earlier retained snapshot to roll back to', {});
}
