/**
 * `ferry apply`: reconcile once. Renders and validates the model, downloads only what is
 * missing, builds a snapshot and publishes it atomically. A desired state that a retained
 * snapshot already holds (a reverted commit) is published again without any download.
 */
import type { Command } from 'commander';
import { abortOnSignals, action, addModelOptions, addStateOption, loadModel, type ModelOptions } from '../common.js';

/**
 * A controller (`ferry run`) that manages this state and is not suspended reconciles its own
 * branch head at its next trigger: what this apply publishes lasts until then. Say so, and how
 * to keep it (issue 10).
 */
async function warnIfControlled(stateDir: string): Promise<void> {
  const { readEndpoint } = await import('../../controller/persisted-state.js');
  const { readSuspension } = await import('../../controller/suspension.js');
  const endpoint = await readEndpoint(stateDir);
  if (!endpoint || (await readSuspension(stateDir)).suspended) return;
  process.stderr.write(
    `warning: a controller (ferry run, pid ${endpoint.pid}, ${endpoint.url}) manages ${stateDir}: at its next run it publishes its own branch head again, replacing what this apply publishes.\n` +
      '  To keep this apply: `ferry suspend --reason "..."` first, and `ferry resume` when the branch has it.\n',
  );
}

export function register(program: Command): void {
  addStateOption(
    addModelOptions(
      program
        .command('apply')
        .description('reconcile once: sync what is missing and publish a new snapshot atomically')
        .option('--refresh', 're-read upstream indexes even for unchanged mirrors')
        .option('--wait', 'wait for another writer to finish instead of failing')
        .option('--json', 'JSON output'),
    ),
    { initialise: true, writes: true },
  ).action(
    action(async (opts: ModelOptions & { state: string; refresh?: boolean; wait?: boolean; json?: boolean }) => {
      const { reconcile } = await import('../../reconcile/reconcile.js');
      const { DEFAULT_RENDER_ISOLATION } = await import('../../reconcile/isolated-desired.js');
      const { formatBytes, formatPlan } = await import('../../plan/format-plan.js');
      const { createProgress } = await import('../progress.js');
      const { createLogger } = await import('../log.js');
      const { files, commit } = await loadModel(opts);
      await warnIfControlled(opts.state);
      const controller = new AbortController();
      const release = abortOnSignals(() => controller.abort());
      const progress = opts.json ? undefined : createProgress();
      try {
        const result = await reconcile({ stateDir: opts.state, model: files, node: opts.node, commit, refresh: opts.refresh, wait: opts.wait, signal: controller.signal, logger: createLogger(), progress, isolate: DEFAULT_RENDER_ISOLATION });
        progress?.stop();
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: true, ...result }, null, 2) + '\n');
          return;
        }
        if (result.outcome === 'published') process.stdout.write(formatPlan(result.plan) + '\n');
        const verb = { published: 'published', reused: 're-published retained snapshot', unchanged: 'already published' }[result.outcome];
        process.stdout.write(`${verb} ${result.snapshot} (${commit ? `commit ${commit.slice(0, 12)}, ` : ''}fetched ${result.stats.filesFetched} files, ${formatBytes(result.stats.bytesFetched)}, ${result.stats.requests} requests, ${result.stats.durationMs} ms)\n`);
      } finally {
        progress?.stop();
        release();
      }
    }),
  );
}
