/**
 * `ferry resume`: resume automatic reconciliation, and release scheduled refreshes held after a
 * model revert; a running controller reconciles the branch head at once and refreshes the
 * mirrors that are overdue.
 */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';
import { operatorName } from '../site.js';

export function register(program: Command): void {
  addStateOption(program.command('resume').description('resume automatic reconciliation and scheduled refreshes'), { writes: true }).action(
    action(async (opts: { state: string }) => {
      const { setSuspended } = await import('../../controller/suspension.js');
      const { setRefreshHold } = await import('../../controller/refresh/refresh-hold.js');
      const by = `ferry resume (${operatorName()})`;
      await setSuspended(opts.state, { suspended: false, by });
      const released = await setRefreshHold(opts.state, { held: false, by, reason: 'ferry resume' });
      process.stdout.write(`automatic reconciliation resumed${released ? '; scheduled refreshes released' : ''}\n`);
    }),
  );
}
