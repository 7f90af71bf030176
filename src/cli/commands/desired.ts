/**
 * `ferry desired`: how the node's MCP vocabulary was read. For each MCP entry (aptly,
 * debmirror, docker, default_local_mirrror_content) the Ferry mirror spec it became and the
 * path it came from, which `parameters.ferry` entry replaced it, what is not mirrored and why,
 * then every error validation finds. Exit 2 when the model is invalid.
 */
import type { Command } from 'commander';
import { describeNotMirrored } from '../../core/resource.js';
import { action, addModelOptions, loadModel, type ModelOptions } from '../common.js';

export function register(program: Command): void {
  addModelOptions(
    program
      .command('desired')
      .description('show the mirror spec each MCP entry was translated into, with the path it came from, and what is not mirrored')
      .option('--json', 'JSON output'),
  ).action(
    action(async (opts: ModelOptions & { json?: boolean }) => {
      const { explainDesired } = await import('../../reconcile/apply-desired.js');
      const { toPyJson } = await import('../../model/py-output.js');
      const { files } = await loadModel(opts);
      const r = explainDesired(files, { node: opts.node });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ok: r.errors.length === 0, node: r.node.name, translated: r.explain, notMirrored: r.notMirrored, errors: r.errors.map((e) => e.toJSON()) }, null, 2) + '\n');
      } else {
        const out: string[] = [`node ${r.node.name}: ${r.explain.length} mirrors translated from MCP, ${r.notMirrored.length} not mirrored`];
        for (const t of r.explain) {
          out.push('', `${String(t.spec.kind)}/${t.name}  <- ${t.from}${t.replacedBy ? `  (replaced by ${t.replacedBy})` : ''}${t.held ? '  (HELD: unverifiable, see below)' : ''}`);
          out.push(...toPyJson(t.spec).split('\n').map((l) => `  ${l}`));
        }
        if (r.notMirrored.length) out.push('');
        for (const n of r.notMirrored) out.push(describeNotMirrored(n));
        process.stdout.write(out.join('\n') + '\n');
      }
      if (r.errors.length) {
        process.exitCode = 2;
        process.stderr.write(`error: ${r.errors.length} error(s)\n${r.errors.map((e) => `  ${e.describe()}`).join('\n')}\n`);
      }
    }),
  );
}
