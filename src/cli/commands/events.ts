/**
 * `ferry events`: the controller's event log (NewRevision, ValidationFailed, ApplySucceeded,
 * ApplyFailed, RolledBack, Suspended, Resumed, FetchFailed, UntrustedCommit), oldest first.
 */
import type { Command } from 'commander';
import { EVENT_TYPES, readEvents, type ControllerEvent, type EventType } from '../../controller/events/event-log.js';
import { FerryError } from '../../core/ferry-error.js';
import { action, addStateOption } from '../common.js';

function line(e: ControllerEvent): string {
  const rev = e.revision ? ` ${e.revision.slice(0, 12)}` : '';
  const by = e.by && (e.type === 'Suspended' || e.type === 'Resumed' || e.type === 'NewRevision') ? `  (by ${e.by})` : '';
  return `${e.time}  ${e.type.padEnd(16)}${rev}  ${e.message}${by}\n`;
}

export function register(program: Command): void {
  addStateOption(
    program
      .command('events')
      .description('show the controller event log')
      .option('-n, --limit <n>', 'only the last n events', '50')
      .option('-t, --type <type...>', `only these types (${EVENT_TYPES.join(', ')})`)
      .option('--since <time>', 'only events at or after this ISO time')
      .option('-f, --follow', 'keep printing new events')
      .option('--json', 'one JSON object per line'),
  ).action(
    action(async (opts: { state: string; limit: string; type?: string[]; since?: string; follow?: boolean; json?: boolean }) => {
      const types = opts.type as EventType[] | undefined;
      const unknown = types?.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown?.length) throw new FerryError('FERRY_USAGE', `unknown event type ${unknown.join(', ')}`, { expected: EVENT_TYPES });
      const print = (e: ControllerEvent) => process.stdout.write(opts.json ? JSON.stringify(e) + '\n' : line(e));
      const events = await readEvents(opts.state, { limit: Number(opts.limit), types, since: opts.since });
      events.forEach(print);
      if (!opts.follow) return;
      let seen = (await readEvents(opts.state)).length;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          void readEvents(opts.state).then((all) => {
            for (const e of all.slice(seen)) if (!types || types.includes(e.type)) print(e);
            seen = all.length;
          });
        }, 1000);
        const stop = () => {
          clearInterval(timer);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }),
  );
}
