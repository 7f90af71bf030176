/** `ferry history`: one line per publish, newest last, with the snapshot still retained or not. */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('history').description('list published snapshots, oldest first').option('--json', 'JSON output')).action(
    action(async (opts: { state: string; json?: boolean }) => {
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      const [history, retained, current] = await Promise.all([store.history(), store.list(), store.current()]);
      const kept = new Set(retained.map((s) => s.id));
      if (opts.json) {
        process.stdout.write(JSON.stringify(history.map((h) => ({ ...h, retained: kept.has(h.snapshot), current: h.snapshot === current?.id })), null, 2) + '\n');
        return;
      }
      for (const h of history) {
        const mark = h.snapshot === current?.id ? '*' : kept.has(h.snapshot) ? ' ' : 'x';
        process.stdout.write(`${mark} ${h.time}  ${h.action.padEnd(8)} ${h.snapshot}  ${h.commit ? h.commit.slice(0, 12) : '-'.padEnd(12)}  ${h.desiredHash.slice(0, 12)}\n`);
      }
      process.stdout.write('(* current, x dropped by retention)\n');
    }),
  );
}
