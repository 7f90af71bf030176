/**
 * `ferry fsck`: re-hash every blob and check every retained snapshot's tree; exit 1 on any
 * problem. `--repair` (under the store lock) downloads every damaged or missing blob again from
 * the upstream URL its manifests record, verified, and links it into every retained tree that
 * holds it; it then checks again, and exits 1 only if something is left.
 */
import type { Command } from 'commander';
import type { FsckProblem } from '../../store/types.js';
import { abortOnSignals, action, addStateOption } from '../common.js';

const line = (p: FsckProblem): string => `${p.kind}: ${p.path}: ${p.detail}\n`;

export function register(program: Command): void {
  addStateOption(
    program
      .command('fsck')
      .description('verify blobs, snapshot trees and the current link; --repair fetches damaged blobs again and relinks them')
      .option('--repair', 'download damaged or missing blobs again from their recorded URLs (verified) and relink them into every retained snapshot')
      .option('--wait', 'with --repair: wait for another writer')
      .option('--json', 'JSON output'),
    { writes: true },
  ).action(
    action(async (opts: { state: string; json?: boolean; repair?: boolean; wait?: boolean }) => {
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      if (!opts.repair) {
        const problems = await store.fsck();
        if (opts.json) process.stdout.write(JSON.stringify({ ok: problems.length === 0, problems }, null, 2) + '\n');
        else if (problems.length === 0) process.stdout.write('fsck: clean\n');
        else {
          for (const p of problems) process.stdout.write(line(p));
          if (problems.some((p) => p.sha256)) process.stdout.write('`ferry fsck --repair` downloads damaged or missing blobs again from their upstream URLs and relinks them into every retained snapshot\n');
        }
        if (problems.length) process.exitCode = 1;
        return;
      }
      const { repairStore } = await import('../../reconcile/repair.js');
      const { createLazyFetcher } = await import('../../transport/lazy-fetcher.js');
      const { createLogger } = await import('../log.js');
      const { formatBytes } = await import('../../plan/format-plan.js');
      const logger = createLogger();
      const controller = new AbortController();
      const release = abortOnSignals(() => controller.abort());
      const lock = await store.lock({ wait: opts.wait, signal: controller.signal, purpose: 'fsck --repair' });
      const fetcher = createLazyFetcher({ logger });
      try {
        const report = await repairStore({ store, fetcher, logger, signal: controller.signal });
        if (opts.json) process.stdout.write(JSON.stringify({ ok: report.remaining.length === 0, ...report }, null, 2) + '\n');
        else {
          const bytes = report.refetched.reduce((n, r) => n + r.size, 0);
          process.stdout.write(`fsck: ${report.found.length} problems found\n`);
          process.stdout.write(`repair: fetched ${report.refetched.length} blobs again (${formatBytes(bytes)}), relinked ${report.relinked} tree paths, removed ${report.removed.length} unused damaged blobs\n`);
          for (const r of report.refetched) process.stdout.write(`  fetched ${r.sha256} from ${r.url}\n`);
          for (const u of report.unrepaired) process.stdout.write(`not repaired: ${u.sha256} (${u.paths.length} paths, e.g. ${u.paths[0]}): ${u.reason}\n`);
          if (report.remaining.length === 0) process.stdout.write('fsck after repair: clean\n');
          else for (const p of report.remaining) process.stdout.write(`still: ${line(p)}`);
        }
        if (report.remaining.length) process.exitCode = 1;
      } finally {
        await fetcher.close();
        await lock.release();
        release();
      }
    }),
  );
}
