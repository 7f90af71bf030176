/**
 * `ferry plan`: what an apply would do against the published snapshot: mirrors added, changed,
 * removed, and (unless --no-resolve) the files and bytes to fetch, read from upstream indexes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, addModelOptions, addStateOption, loadModel, type ModelOptions } from '../common.js';

export function register(program: Command): void {
  addStateOption(
    addModelOptions(
      program
        .command('plan')
        .description('show what apply would change: mirrors added/changed/removed, files and bytes to fetch')
        .option('--no-resolve', 'do not read upstream indexes (mirror-level plan only)')
        .option('--refresh', 'plan as if upstream were re-read for every mirror')
        .option('--offline', 'an offline site: say which mirrors no imported or retained snapshot holds (asks no upstream)')
        .option('--json', 'JSON output'),
    ),
    { optional: true },
  ).action(
    action(async (opts: ModelOptions & { state: string; resolve: boolean; refresh?: boolean; offline?: boolean; json?: boolean }) => {
      const { loadDesired } = await import('../../reconcile/apply-desired.js');
      const { formatPlan } = await import('../../plan/format-plan.js');
      const { planResources } = await import('../../plan/plan.js');
      const { trustOnFirstUse } = await import('../../drivers/registry.js');
      const { StateStore } = await import('../../store/state-store.js');
      const { files, commit } = await loadModel(opts);
      const { withModelFiles } = await import('../../reconcile/model-files.js');
      const desired = await withModelFiles(loadDesired(files, { node: opts.node }).desired, files);
      // No state yet (a site before its first apply, a CI job): plan against nothing published,
      // with an empty store in a temporary folder; the state directory is not created.
      const scratch = existsSync(opts.state) ? undefined : await mkdtemp(join(tmpdir(), 'ferry-plan-'));
      try {
        const store = await StateStore.open(scratch ?? opts.state);
        const published = await store.current();
        let plan = planResources(desired, published, trustOnFirstUse);
        // A retained snapshot of this very desired state (an imported bundle, or a revert): apply switches to it.
        // Or, for the published desired state, a newer bundle of it (an offline site's refresh).
        const { newerImport } = await import('../../transfer/newer-import.js');
        const fresher = plan.upToDate && published ? await newerImport(store, published) : null;
        if (fresher) plan = { ...plan, upToDate: false };
        const retained = fresher ?? (plan.upToDate ? null : await store.findByDesiredHash(desired.hash));
        if (opts.offline || retained) {
          const { missingOffline } = await import('../../transfer/bundle.js');
          const missing = retained ? [] : missingOffline(desired, await store.list());
          const source = retained?.imported ? `from bundle: snapshot ${retained.imported.snapshot} of site ${retained.imported.site}, imported ${retained.imported.importedAt}` : retained ? 'a retained snapshot' : undefined;
          if (opts.json) {
            process.stdout.write(JSON.stringify({ ok: true, commit, upToDate: plan.upToDate, ...(retained ? { reuse: { snapshot: retained.id, fromBundle: !!retained.imported, imported: retained.imported } } : {}), missing }, null, 2) + '\n');
          } else if (plan.upToDate) process.stdout.write('up to date: the published snapshot holds this model\n');
          else if (retained) process.stdout.write(`apply publishes snapshot ${retained.id} (${source}): nothing to fetch\n`);
          else {
            const lines = missing.map((m) => `  ${m.kind}/${m.name}`);
            process.stdout.write(missing.length === 0 ? 'every mirror is held by a retained snapshot, but no snapshot holds this model as a whole: export the snapshot of this commit from the connected site\n' : `needs from the connected site (no imported snapshot holds them with this spec):\n${lines.join('\n')}\n`);
          }
          return;
        }
        if (opts.resolve && (!plan.upToDate || opts.refresh)) {
          const { planResolved, resolveAll } = await import('../../reconcile/apply-sync.js');
          const { createLazyFetcher } = await import('../../transport/lazy-fetcher.js');
          const { createLogger } = await import('../log.js');
          const fetcher = createLazyFetcher();
          try {
            const ctx = { fetcher, blobs: store.blobs, logger: createLogger(), signal: new AbortController().signal, refresh: !!opts.refresh, stateDir: store.root, desired, published };
            const resolved = await resolveAll(ctx);
            plan = await planResolved(plan, resolved, store.blobs, published);
          } finally {
            await fetcher.close();
          }
        }
        if (opts.json) process.stdout.write(JSON.stringify({ ok: true, commit, ...plan }, null, 2) + '\n');
        else process.stdout.write(formatPlan(plan) + '\n');
      } finally {
        if (scratch) await rm(scratch, { recursive: true, force: true });
      }
    }),
  );
}
