/**
 * What several commands share: where the state and the model are, how errors are printed and
 * which exit code they give (0 ok, 1 failure, 2 usage or invalid model).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redactUrl } from '../core/redact.js';
import type { Command } from 'commander';
import { FerryError, toFerryErrors } from '../core/ferry-error.js';
import type { ModelFiles } from '../model/types.js';

export interface ModelOptions {
  model?: string;
  repo?: string;
  ref?: string;
  subdir?: string;
  node?: string;
  /** Where bare clones of remote model repositories are cached. */
  cacheDir?: string;
}

export function addStateOption(cmd: Command): Command {
  return cmd.option('-s, --state <dir>', 'state directory (objects, snapshots, current)', process.env.FERRY_STATE ?? './ferry-state');
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <dir>', 'model inventory directory (a checkout)')
    .option('--repo <path|url>', 'Git repository holding the model: a local path, or an http(s) URL (auth from FERRY_GIT_USERNAME + FERRY_GIT_PASSWORD[_FILE] or FERRY_GIT_TOKEN[_FILE])')
    .option('--ref <ref>', 'branch, tag or commit of --repo', 'HEAD')
    .option('--subdir <dir>', 'folder of the inventory inside --repo')
    .option('-n, --node <name>', 'node whose parameters.ferry describes this site (default: the only node)');
}

export async function loadModel(opts: ModelOptions): Promise<{ files: ModelFiles; commit?: string; source: string }> {
  if (opts.repo && /^https?:\/\//.test(opts.repo)) {
    // A remote repository (a Gerrit verify job's patchset): fetched into a cache of bare clones.
    const { fetchModelAtRef } = await import('../source/git/fetch-ref.js');
    const { gitAuthFromEnv } = await import('../source/git/git-auth.js');
    const auth = await gitAuthFromEnv();
    const cacheDir = opts.cacheDir ?? join(tmpdir(), 'ferry-git-cache');
    const { commit, files } = await fetchModelAtRef({ url: opts.repo, ref: opts.ref ?? 'HEAD', cacheDir, auth, modelPath: opts.subdir });
    return { files, commit, source: `${redactUrl(opts.repo)}@${commit.slice(0, 12)}` };
  }
  if (opts.repo) {
    const dir = resolve(opts.repo);
    const bare = !existsSync(join(dir, '.git'));
    const { readModelAtCommit } = await import('../source/model-source.js');
    const { commit, files } = await readModelAtCommit({ dir, gitdir: bare ? dir : undefined, ref: opts.ref ?? 'HEAD', subdir: opts.subdir });
    return { files, commit, source: `${opts.repo}@${commit.slice(0, 12)}` };
  }
  const dir = opts.model ?? process.env.FERRY_MODEL;
  if (!dir) throw new FerryError('FERRY_USAGE', 'say where the model is: --model DIR or --repo PATH [--ref REF]', {});
  // Texts are read when the renderer asks: one node needs only its classes' files.
  const { openModelDir } = await import('../source/model-dir.js');
  return { files: openModelDir(resolve(dir)), source: dir };
}

const USAGE_OR_MODEL = new Set<string>([
  'FERRY_USAGE',
  'FERRY_YAML_SYNTAX',
  'FERRY_CLASS_NOT_FOUND',
  'FERRY_NODE_NOT_FOUND',
  'FERRY_DUPLICATE_CLASS',
  'FERRY_MISSING_REFERENCE',
  'FERRY_CIRCULAR_REFERENCE',
  'FERRY_TYPE_CONFLICT',
  'FERRY_CONSTANT_CHANGED',
  'FERRY_BAD_CLASS_NAME',
  'FERRY_INVENTORY_QUERY',
  'FERRY_SCHEMA',
  'FERRY_INVALID_MODEL',
  'FERRY_MODEL_TOO_LARGE',
]);

export function exitCodeFor(errors: FerryError[]): number {
  return errors.length > 0 && errors.every((e) => USAGE_OR_MODEL.has(e.code)) ? 2 : 1;
}

/** Prints every error (human or JSON) and sets the exit code. */
export function reportFailure(e: unknown, options: { json?: boolean } = {}): void {
  const errors = toFerryErrors(e);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ok: false, errors: errors.map((x) => x.toJSON()) }, null, 2) + '\n');
  } else {
    process.stderr.write(`error: ${errors.length === 1 ? errors[0].describe() : `${errors.length} errors`}\n`);
    if (errors.length > 1) for (const x of errors) process.stderr.write(`  ${x.describe()}\n`);
    for (const x of errors) if (x.code === 'FERRY_INTERNAL' && x.cause instanceof Error && process.env.FERRY_DEBUG) process.stderr.write(`${x.cause.stack}\n`);
  }
  process.exitCode = exitCodeFor(errors);
}

/** Wraps a command action: errors become messages and exit codes, never stack traces. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const last = args[args.length - 1] as { opts?: () => { json?: boolean } } | undefined;
      const opts = typeof last?.opts === 'function' ? last.opts() : {};
      reportFailure(e, { json: opts.json });
    }
  };
}
