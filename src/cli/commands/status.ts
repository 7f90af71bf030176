/**
 * `ferry status`: the running controller's view (GET /status): the published snapshot, the
 * suspension and refresh hold, then each mirror with its condition (Ready, Fetching, Stale,
 * Failed), reason and since, served size, last change, refresh times and, while a sync runs,
 * its files and bytes done, rate and ETA. `--json` prints the status document as served.
 * `--watch` redraws every 2 seconds.
 */
import type { Command } from 'commander';
import { FerryError } from '../../core/ferry-error.js';
import type { ControllerStatus } from '../../controller/status/status-board.js';
import { action, addStateOption } from '../common.js';

interface Opts {
  state: string;
  url?: string;
  json?: boolean;
  watch?: boolean;
}

export function register(program: Command): void {
  addStateOption(
    program
      .command('status')
      .description("the running controller's status: mirrors, conditions, progress")
      .option('--url <url>', 'the controller to ask (default: the one running on --state)')
      .option('--json', 'the status document as JSON')
      .option('-w, --watch', 'redraw every 2 seconds'),
    { optional: true },
  ).action(
    action(async (opts: Opts) => {
      const { formatStatus } = await import('../format-status.js');
      let base = opts.url?.replace(/\/+$/, '');
      if (!base) {
        const { readEndpoint } = await import('../../controller/persisted-state.js');
        const { siteControlUrl } = await import('../site.js');
        base = (await readEndpoint(opts.state))?.url ?? (await siteControlUrl());
        if (!base) throw new FerryError('FERRY_USAGE', `no controller is running for ${opts.state} (start one with \`ferry run\`, or pass --url)`, {});
      }
      const read = async (): Promise<ControllerStatus> => {
        const res = await fetch(`${base}/status`);
        if (res.status !== 200) throw new FerryError('FERRY_INTERNAL', `${base}/status answered ${res.status}`, { url: `${base}/status` });
        return (await res.json()) as ControllerStatus;
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(await read(), null, 2) + '\n');
        return;
      }
      if (!opts.watch) {
        process.stdout.write(formatStatus(await read()) + '\n');
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      while (!stop.signal.aborted) {
        const text = formatStatus(await read());
        process.stdout.write(`\x1b[H\x1b[2J${text}\n`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }),
  );
}
