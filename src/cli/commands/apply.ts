/**
 * `ferry apply`: reconcile once. Renders and validates the model, downloads only what is
 * missing, builds a snapshot and publishes it atomically. A desired state that a retained
 * snapshot already holds (a reverted commit) is published again without any download.
 * The plan is printed before anything is downloaded (so it is there when the apply then
 * fails). A mirror whose upstream fails keeps its last good content and the others are
 * published; the command then names it and exits 1.
 */
import type { Command } from 'commander';
import { FerryError, type ErrorCode } from '../../core/ferry-error.js';
import { abortOnSignals, action, addModelOptions, addStateOption, loadModel, reportFailure, type ModelOptions } from '../common.js';

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

/** The bundled CLI keeps the desired state of an unchanged model (desired-memo.ts); FERRY_DESIRED_MEMO=0 turns it off. */
function memoOf(build: string | undefined): { build: string } | undefined {
  return build && process.env.FERRY_DESIRED_MEMO !== '0' ? { build } : undefined;
}

export function register(program: Command): void {
  addStateOption(
    addModelOptions(
      program
        .command('apply')
        .description('reconcile once: sync what is missing and publish a new snapshot atomically')
        .option('--refresh [mirror...]', 're-read upstream indexes even for unchanged mirrors (these mirrors, or all)')
        .option('--wait', 'wait for another writer to finish instead of failing')
        .option('--json', 'JSON output'),
    ),
    { initialise: true, writes: true },
  ).action(
    action(async (opts: ModelOptions & { state: string; refresh?: boolean | string[]; wait?: boolean; json?: boolean }) => {
      const { reconcile } = await import('../../reconcile/reconcile.js');
      const { bundleBuildId } = await import('../../reconcile/desired-memo.js');
      const { DEFAULT_RENDER_ISOLATION } = await import('../../reconcile/isolated-desired.js');
      const { formatBytes, formatPlan } = await import('../../plan/format-plan.js');
      const { createProgress } = await import('../progress.js');
      const { createLogger } = await import('../log.js');
      const { files, commit } = await loadModel(opts);
      await warnIfControlled(opts.state);
      const controller = new AbortController();
      const release = abortOnSignals(() => controller.abort());
      const logger = createLogger();
      const progress = opts.json ? undefined : createProgress({ logger });
      try {
        const result = await reconcile({
          stateDir: opts.state,
          model: files,
          node: opts.node,
          commit,
          refresh: opts.refresh,
          wait: opts.wait,
          signal: controller.signal,
          logger,
          progress,
          isolate: DEFAULT_RENDER_ISOLATION,
          memo: memoOf(bundleBuildId()),
          onPlan: opts.json ? undefined : (plan) => process.stdout.write(formatPlan(plan) + '\n'),
        });
        progress?.stop();
        const failed = (result.mirrors ?? []).filter((m) => m.outcome === 'failed');
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: failed.length === 0, ...result }, null, 2) + '\n');
          if (failed.length) process.exitCode = 1;
          return;
        }
        const verb = { published: 'published', reused: 're-published retained snapshot', unchanged: 'already published' }[result.outcome];
        process.stdout.write(`${verb} ${result.snapshot} (${commit ? `commit ${commit.slice(0, 12)}, ` : ''}fetched ${result.stats.filesFetched} files, ${formatBytes(result.stats.bytesFetched)}, ${result.stats.requests} requests, ${result.stats.durationMs} ms)\n`);
        if (failed.length) {
          process.stdout.write(`failed, last good content kept: ${failed.map((m) => m.id).join(', ')}\n`);
          reportFailure(failed.map((m) => new FerryError((m.error?.code ?? 'FERRY_INTERNAL') as ErrorCode, m.error?.message ?? 'failed', { ...(m.error?.data ?? {}), resource: m.id })));
          process.exitCode = 1;
        }
      } finally {
        progress?.stop();
        release();
      }
    }),
  );
}
