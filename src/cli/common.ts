/**
 * What several commands share: where the state and the model are, how errors are printed and
 * which exit code they give (0 ok, 1 failure, 2 usage or invalid model).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { redactUrl } from '../core/redact.js';
import { CommanderError, type Command } from 'commander';
import { FerryError, toFerryErrors } from '../core/ferry-error.js';
import type { ModelFiles } from '../model/types.js';
import type { GitAuthSource } from '../source/git/git-auth.js';
import { actAsStateOwner, loadSiteConfig, resolveStateDir } from './site.js';

export interface ModelOptions {
  model?: string;
  repo?: string;
  ref?: string;
  subdir?: string;
  node?: string;
  /** Where bare clones of remote model repositories are cached. */
  cacheDir?: string;
}

/** How a verb uses the state directory. Default: it must exist already (read-only or signal verbs). */
export interface StateUse {
  /** `ferry apply`: a missing state directory is created. */
  initialise?: boolean;
  /** `ferry plan`: a missing state directory means nothing is published (not created). */
  optional?: boolean;
  /** The verb writes into the state: run as root, it acts as the directory's owner (site.ts). */
  writes?: boolean;
}

/** Exit code already chosen and the failure already printed (by a preAction hook). */
export const REPORTED = 'ferry.reported';

/**
 * `--state`, resolved before the action runs: the flag, FERRY_STATE, the site's ferry.yaml
 * (site.ts) or ./ferry-state; then checked to be a Ferry state unless the verb initialises one.
 * The action sees the resolved path in `opts.state`.
 */
export function addStateOption(cmd: Command, use: StateUse = {}): Command {
  return cmd
    .option('-s, --state <dir>', 'state directory (default: $FERRY_STATE, else stateDir of $FERRY_CONFIG or /etc/ferry/ferry.yaml, else ./ferry-state)')
    .hook('preAction', async (command) => {
      const opts = command.opts<{ state?: string; json?: boolean }>();
      try {
        const { dir, source } = await resolveStateDir(opts.state);
        const { requireStateDir } = await import('../store/state-dir.js');
        const mustExist = !use.initialise && !(use.optional && !existsSync(dir));
        command.setOptionValue('state', mustExist ? await requireStateDir(dir, { source }) : resolve(dir));
        if (use.writes) await actAsStateOwner(resolve(dir));
      } catch (e) {
        reportFailure(e, { json: opts.json });
        throw new CommanderError(Number(process.exitCode ?? 1), REPORTED, '');
      }
    });
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <dir>', 'model inventory directory (a checkout)')
    .option('--repo <path|url>', 'Git repository holding the model: a local path, or an http(s) URL (auth from FERRY_GIT_USERNAME + FERRY_GIT_PASSWORD[_FILE] or FERRY_GIT_TOKEN[_FILE])')
    .option('--ref <ref>', 'branch, tag or commit of --repo', 'HEAD')
    .option('--subdir <dir>', 'folder of the inventory inside --repo')
    .option('-n, --node <name>', 'node whose parameters.ferry describes this site (default: the only node)');
}

/**
 * The model a verb reads: `--model`, `--repo`/`--ref`, FERRY_MODEL, or else the source of the
 * site's ferry.yaml (site.ts): its folder, or its repository's branch head with its credentials.
 * `opts.node` is filled from ferry.yaml's `node` when not given.
 */
export async function loadModel(opts: ModelOptions): Promise<{ files: ModelFiles; commit?: string; source: string }> {
  let auth: GitAuthSource | undefined;
  if (!opts.repo && !opts.model && !process.env.FERRY_MODEL) {
    const site = await loadSiteConfig();
    if (site) {
      const { source, node, stateDir } = site.config;
      opts.node ??= node;
      if (source.kind === 'dir') opts.model = source.dir;
      else Object.assign(opts, { repo: source.url, ref: source.branch, subdir: source.path, cacheDir: opts.cacheDir ?? join(stateDir, 'git', 'cli-cache') });
      auth = source.kind === 'git' ? (source.auth ?? {}) : undefined;
    }
  }
  if (opts.repo && /^https?:\/\//.test(opts.repo)) {
    // A remote repository (a Gerrit verify job's patchset): fetched into a cache of bare clones.
    const { fetchModelAtRef } = await import('../source/git/fetch-ref.js');
    const { gitAuthFromEnv, resolveGitAuth } = await import('../source/git/git-auth.js');
    const credentials = auth ? await resolveGitAuth(auth) : await gitAuthFromEnv();
    const cacheDir = opts.cacheDir ?? join(tmpdir(), 'ferry-git-cache');
    const { commit, files } = await fetchModelAtRef({ url: opts.repo, ref: opts.ref ?? 'HEAD', cacheDir, auth: credentials, modelPath: opts.subdir });
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
  if (!dir) throw new FerryError('FERRY_USAGE', 'say where the model is: --model DIR or --repo PATH [--ref REF] (or a source in the site\'s ferry.yaml: FERRY_CONFIG, default /etc/ferry/ferry.yaml)', {});
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

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };
let interruptedBy: NodeJS.Signals | undefined;

/**
 * Calls `abort` on SIGINT (Ctrl-C) or SIGTERM and remembers the signal: a command that then
 * fails as aborted exits with 128 + the signal's number (130 for Ctrl-C), as shells expect of
 * an interrupted program, not 1, whatever the aborted steps threw. Returns the function that
 * removes the handlers.
 */
export function abortOnSignals(abort: () => void): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      interruptedBy = signal;
      abort();
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

export function exitCodeFor(errors: FerryError[]): number {
  if (interruptedBy) return 128 + (SIGNAL_NUMBERS[interruptedBy] ?? 0);
  return errors.length > 0 && errors.every((e) => USAGE_OR_MODEL.has(e.code)) ? 2 : 1;
}

/** Prints every error (human or JSON) and sets the exit code. */
export function reportFailure(e: unknown, options: { json?: boolean } = {}): void {
  const errors = toFerryErrors(e);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ok: false, errors: errors.map((x) => x.toJSON()) }, null, 2) + '\n');
  } else {
    if (interruptedBy) {
      process.stderr.write(`interrupted (${interruptedBy}): nothing was published; what was downloaded stays for the next run\n`);
      process.exitCode = exitCodeFor(errors);
      return;
    }
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
