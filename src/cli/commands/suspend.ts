/**
 * `ferry suspend`: stop automatic reconciliation (webhooks, polls, watches are ignored and a run
 * in progress is aborted) until `ferry resume`. Works whether or not a controller is running:
 * the state is a file in the state directory, and the change is recorded as an event.
 */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';
import { operatorName } from '../site.js';

export function register(program: Command): void {
  addStateOption(program.command('suspend').description('suspend automatic reconciliation until `ferry resume`').option('-r, --reason <text>', 'why (shown in status and events)'), { writes: true }).action(
    action(async (opts: { state: string; reason?: string }) => {
      const { setSuspended } = await import('../../controller/suspension.js');
      await setSuspended(opts.state, { suspended: true, reason: opts.reason, by: `ferry suspend (${operatorName()})` });
      process.stdout.write('automatic reconciliation suspended\n');
    }),
  );
}
