/** `ferry fsck`: re-hash every blob and check every retained snapshot's tree; exit 1 on any problem. */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(program.command('fsck').description('verify blobs, snapshot trees and the current link').option('--json', 'JSON output'), { writes: true }).action(
    action(async (opts: { state: string; json?: boolean }) => {
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      const problems = await store.fsck();
      if (opts.json) process.stdout.write(JSON.stringify({ ok: problems.length === 0, problems }, null, 2) + '\n');
      else if (problems.length === 0) process.stdout.write('fsck: clean\n');
      else for (const p of problems) process.stdout.write(`${p.kind}: ${p.path}: ${p.detail}\n`);
      if (problems.length) process.exitCode = 1;
    }),
  );
}
