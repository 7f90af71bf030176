/** `ferry validate`: render and validate the model; every error with its file and line; exit 2 if invalid. */
import type { Command } from 'commander';
import { action, addModelOptions, loadModel, type ModelOptions } from '../common.js';

export function register(program: Command): void {
  addModelOptions(program.command('validate').description('render and validate the model against the schemas').option('--json', 'JSON output')).action(
    action(async (opts: ModelOptions & { json?: boolean }) => {
      const { loadDesired } = await import('../../reconcile/apply-desired.js');
      const { files, source } = await loadModel(opts);
      const { desired, node } = loadDesired(files, { node: opts.node });
      if (opts.json) process.stdout.write(JSON.stringify({ ok: true, node: node.name, desiredHash: desired.hash, resources: desired.resources.map((r) => ({ kind: r.kind, name: r.name, hash: r.hash })) }, null, 2) + '\n');
      else process.stdout.write(`${source}: valid, node ${node.name}, ${desired.resources.length} mirrors, desired ${desired.hash.slice(0, 16)}\n`);
    }),
  );
}
