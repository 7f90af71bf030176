/** `ferry resume`: resume automatic reconciliation; a running controller reconciles the branch head at once. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('resume').description('resume automatic reconciliation')).action(
    action(async (opts: { state: string }) => {
      const { setSuspended } = await import('../../controller/suspension.js');
      await setSuspended(opts.state, { suspended: false, by: `ferry resume (${userInfo().username})` });
      process.stdout.write('automatic reconciliation resumed\n');
    }),
  );
}
