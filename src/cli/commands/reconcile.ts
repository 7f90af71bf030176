/**
 * `ferry reconcile`: ask the controller running on this state directory for a run now
 * (POST /control/reconcile with the control token from <state>/controller.json). `--wait`
 * follows /status until that run ends and exits 1 if it failed. Refused while suspended.
 * `--cancel` aborts the run in progress (POST /control/cancel). `--refresh [MIRROR...]` re-reads
 * the upstream of these mirrors (all without names) now, as their schedule would; it runs even
 * while scheduled refreshes are held after a revert (the hold stays: `ferry resume` lifts it).
 */
import type { Command } from 'commander';
import { FerryError } from '../../core/ferry-error.js';
import type { ControllerStatus } from '../../controller/status/status-board.js';
import { action, addStateOption } from '../common.js';

interface Opts {
  state: string;
  cancel?: boolean;
  force?: boolean;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  refresh?: boolean | string[];
}

export function register(program: Command): void {
  addStateOption(
    program
      .command('reconcile')
      .description('ask the running controller (ferry run) to reconcile now')
      .option('-f, --force', 'run even if the head is already applied or in backoff')
      .option('-r, --refresh [mirror...]', "re-read these mirrors' upstreams now (all without names); publishes only what changed")
      .option('--cancel', 'cancel the run in progress instead (nothing is published; the next trigger runs again)')
      .option('-w, --wait', 'wait for the run to end and report its result')
      .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '3600')
      .option('--json', 'print the status as JSON'),
  ).action(
    action(async (opts: Opts) => {
      const { readEndpoint } = await import('../../controller/persisted-state.js');
      const endpoint = await readEndpoint(opts.state);
      if (!endpoint) throw new FerryError('FERRY_USAGE', `no controller is running for ${opts.state} (start one with \`ferry run\`, or use \`ferry apply\`)`, {});
      const headers = { authorization: `Bearer ${endpoint.token}` };
      if (opts.cancel) {
        const cancelled = await fetch(`${endpoint.url}/control/cancel`, { method: 'POST', headers });
        if (cancelled.status !== 202) throw new FerryError('FERRY_INTERNAL', `the controller answered ${cancelled.status}`, {});
        process.stdout.write('cancel requested\n');
        return;
      }
      const query = new URLSearchParams();
      if (opts.force) query.set('force', '1');
      if (opts.refresh === true) query.set('refresh', '*');
      else if (Array.isArray(opts.refresh)) for (const m of opts.refresh) query.append('refresh', m);
      const res = await fetch(`${endpoint.url}/control/reconcile${query.size ? `?${query.toString()}` : ''}`, { method: 'POST', headers });
      const body = (await res.json()) as { requestedAt?: string; runId?: number; error?: string };
      if (res.status === 409) throw new FerryError('FERRY_USAGE', `${body.error ?? 'suspended'}: run \`ferry resume\` first`, {});
      if (res.status === 400) throw new FerryError('FERRY_USAGE', body.error ?? 'bad request', {});
      if (res.status !== 202 || !body.requestedAt) throw new FerryError('FERRY_INTERNAL', `the controller answered ${res.status}: ${body.error ?? ''}`, {});
      if (!opts.wait) {
        process.stdout.write(`reconcile requested from ${endpoint.url}\n`);
        return;
      }
      const deadline = Date.now() + Number(opts.timeout) * 1000;
      for (;;) {
        const s = (await (await fetch(`${endpoint.url}/status`)).json()) as ControllerStatus;
        const run = s.recentRuns.find((r) => r.runId === body.runId);
        if (run && run.result !== 'running') {
          if (opts.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
          else {
            process.stdout.write(`${run.result}${run.detail ? ` (${run.detail})` : ''}: revision ${run.revision?.slice(0, 12) ?? '?'}${run.snapshot ? `, snapshot ${run.snapshot}` : ''}${run.bytesFetched !== undefined ? `, ${run.bytesFetched} bytes downloaded` : ''}\n`);
            for (const e of s.lastErrors) process.stderr.write(`  ${e.code}: ${e.message}\n`);
          }
          if (run.result === 'failed') process.exitCode = 1;
          return;
        }
        if (Date.now() > deadline) throw new FerryError('FERRY_ABORTED', 'timed out waiting for the run to end', {});
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
}
