/**
 * `ferry validate`: render and validate the model; every error with its file and line; exit 2 if
 * invalid. Also prints what each kind notes about its mirrors (Kind.notes: a deb mirror whose
 * key_ids need a keyserver, which an offline site cannot resolve), and what the model says to
 * mirror that is not mirrored; mirrors held as unverifiable are also warned about on stderr.
 */
import type { Command } from 'commander';
import { describeNotMirrored } from '../../core/resource.js';
import { action, addModelOptions, loadModel, type ModelOptions } from '../common.js';

export function register(program: Command): void {
  addModelOptions(program.command('validate').description('render and validate the model against the schemas').option('--json', 'JSON output')).action(
    action(async (opts: ModelOptions & { json?: boolean }) => {
      const { loadDesired } = await import('../../reconcile/apply-desired.js');
      const { files, source } = await loadModel(opts);
      const { kindOf } = await import('../../drivers/registry.js');
      const { withModelFiles } = await import('../../reconcile/model-files.js');
      const loaded = loadDesired(files, { node: opts.node });
      const { node } = loaded;
      const desired = await withModelFiles(loaded.desired, files);
      const online = desired.resources.flatMap((r) => (kindOf(r.kind)?.notes?.(r.spec, desired.site) ?? []).map((note) => ({ resource: `${r.kind}/${r.name}`, note })));
      const unverifiable = (desired.notMirrored ?? []).filter((n) => n.unverifiable);
      if (unverifiable.length) process.stderr.write(`warning: ${unverifiable.length} mirror(s) of the model cannot be verified and are not mirrored:\n${unverifiable.map((n) => `  ${n.path}: ${n.reason.replace(/^UNVERIFIABLE: /, '')}`).join('\n')}\n`);
      if (opts.json) process.stdout.write(JSON.stringify({ ok: true, node: node.name, desiredHash: desired.hash, resources: desired.resources.map((r) => ({ kind: r.kind, name: r.name, hash: r.hash })), needsNetwork: online, notMirrored: desired.notMirrored ?? [] }, null, 2) + '\n');
      else {
        process.stdout.write(`${source}: valid, node ${node.name}, ${desired.resources.length} mirrors, desired ${desired.hash.slice(0, 16)}\n`);
        for (const n of online) process.stdout.write(`  ${n.resource}: not resolvable offline: ${n.note}\n`);
        for (const n of desired.notMirrored ?? []) process.stdout.write(`  ${describeNotMirrored(n)}\n`);
      }
    }),
  );
}
