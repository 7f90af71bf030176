/** `ferry import`: adds a bundle's snapshot to this state directory (verified; not published). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(
    program
      .command('import')
      .description('verify a bundle and add its snapshot here; `ferry apply` then publishes it with nothing fetched')
      .argument('<paths...>', 'the bundle folder, and the folders of volumes kept elsewhere')
      .option('-k, --key <file...>', 'armored public key(s) trusted to sign bundles')
      .option('--wait', 'wait for another writer')
      .option('--json', 'JSON output'),
    { initialise: true, writes: true },
  ).action(
    action(async (paths: string[], opts: { state: string; key?: string[]; wait?: boolean; json?: boolean }) => {
      const { StateStore } = await import('../../store/state-store.js');
      const { importBundle } = await import('../../transfer/import-bundle.js');
      const { createByteProgress } = await import('../byte-progress.js');
      const store = await StateStore.open(opts.state);
      const trustedKeys = await Promise.all((opts.key ?? []).map((k) => readFile(k, 'utf8')));
      const r = await importBundle({ store, paths, trustedKeys, wait: opts.wait, progress: createByteProgress('import') });
      if (opts.json) process.stdout.write(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
      else {
        const { formatBytes } = await import('../../plan/format-plan.js');
        process.stdout.write(
          r.outcome === 'already-imported'
            ? `snapshot ${r.source} was imported already as ${r.snapshot}\n`
            : `imported snapshot ${r.source} as ${r.snapshot}: ${r.blobsAdded} blobs (${formatBytes(r.bytesAdded)}) added, signed by ${r.signer}; \`ferry apply\` of the same model publishes it\n`,
        );
      }
    }),
  );
}
