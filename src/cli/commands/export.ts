/** `ferry export`: a snapshot (or its delta from a base) as a signed bundle for an air-gapped site. */
import type { Command } from 'commander';
import { action, addStateOption } from '../common.js';

export function register(program: Command): void {
  addStateOption(
    program
      .command('export')
      .description('write a signed bundle of a snapshot (or of what it adds to --from) for an offline site')
      .option('-o, --output <dir>', 'folder to write the bundle into (resumed if it holds the same bundle)')
      .option('--to <snapshot>', 'snapshot to export (default: the current one)')
      .option('--from <snapshot>', 'base snapshot the offline site already holds: only what it lacks is written')
      .option('--volume-size <size>', 'cut the bundle into volumes of this size (4G, 700M, ...)', '4G')
      .option('--public-key', 'print the site key that signs bundles (to trust on the offline site) and exit')
      .option('--wait', 'wait for another writer')
      .option('--json', 'JSON output'),
    { writes: true },
  ).action(
    action(async (opts: { state: string; output?: string; to?: string; from?: string; volumeSize: string; publicKey?: boolean; wait?: boolean; json?: boolean }) => {
      const { FerryError } = await import('../../core/ferry-error.js');
      const { StateStore } = await import('../../store/state-store.js');
      const store = await StateStore.open(opts.state);
      if (opts.publicKey) {
        const { siteSigningKey } = await import('../../pgp/site-key.js');
        const site = (await store.current())?.site;
        const signing = site?.signing as { key_file?: string } | undefined;
        const key = await siteSigningKey({ stateDir: store.root, keyFile: signing?.key_file, siteName: site?.name ?? 'ferry' });
        process.stdout.write(key.publicArmored);
        return;
      }
      if (!opts.output) throw new FerryError('FERRY_USAGE', 'say where to write the bundle: -o DIR', {});
      const { parseSize } = await import('../../transfer/bundle.js');
      const { exportBundle } = await import('../../transfer/export-bundle.js');
      const { createByteProgress } = await import('../byte-progress.js');
      const lock = await store.lock({ wait: opts.wait, purpose: 'export' });
      try {
        const r = await exportBundle({ store, to: opts.to, from: opts.from, out: opts.output, volumeSize: parseSize(opts.volumeSize), progress: createByteProgress('export') });
        const summary = { ok: true, snapshot: r.toc.snapshot.id, from: r.toc.from?.id, blobs: r.toc.blobs.length, bytes: r.toc.totalBytes, volumes: r.toc.volumes.map((v) => v.name), written: r.written };
        if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else {
          const { formatBytes } = await import('../../plan/format-plan.js');
          process.stdout.write(`exported snapshot ${summary.snapshot}${summary.from ? ` (delta from ${summary.from})` : ''}: ${summary.blobs} blobs, ${formatBytes(summary.bytes)} in ${summary.volumes.length} volume(s) at ${opts.output}${r.written.length < summary.volumes.length ? ` (${summary.volumes.length - r.written.length} already written)` : ''}\n`);
        }
      } finally {
        await lock.release();
      }
    }),
  );
}
