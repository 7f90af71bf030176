/**
 * ferry.yaml: how `ferry run` finds its model, where it keeps its state, what it listens on,
 * which triggers and secrets it uses. Secrets are never in the file itself: it names
 * environment variables or files to read them from. See deploy/ferry.yaml for an example.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, YAMLError } from 'yaml';
import { yamlSyntaxError } from '../../model/yaml/yaml-syntax-error.js';
import { FerryError } from '../../core/ferry-error.js';
import type { GitAuthSource } from '../../source/git/git-auth.js';
import type { GitSourceConfig } from '../../source/model-revisions.js';
import type { SignaturePolicyConfig } from '../../source/signatures/trusted-keys.js';
import { parseDuration } from './duration.js';
import { DEFAULT_RENDER_ISOLATION, type RenderIsolation } from '../../reconcile/isolated-desired.js';

export interface SecretSource {
  env?: string;
  file?: string;
}

export interface ControllerConfig {
  stateDir: string;
  node?: string;
  source:
    | (GitSourceConfig & { auth?: GitAuthSource; project?: string })
    | { kind: 'dir'; dir: string };
  listen: { host: string; port: number };
  /** Serve the published snapshots on the same port (default true). */
  serve: boolean;
  poll?: { intervalMs: number; jitter: number };
  watch?: { debounceMs: number };
  webhooks: { gerrit?: SecretSource[]; github?: SecretSource; gitea?: SecretSource; gitlab?: SecretSource; maxBodyBytes: number };
  reconcile: { timeoutMs: number; backoffBaseMs: number; backoffMaxMs: number };
  /**
   * Scheduled upstream refreshes (intervals come from the model: a mirror's `refresh`, else
   * `site.refresh`): how early a refresh may come (jitter, a fraction of the interval), how close
   * together due mirrors share one run (coalesce), the first retry delay of a failed mirror, and
   * how often a sync in progress is logged.
   */
  refresh: { jitter: number; coalesceMs: number; backoffBaseMs: number; progressLogMs: number };
  signatures?: SignaturePolicyConfig;
  /** Limits of the worker that renders each revision (isolated-desired.ts). */
  render: RenderIsolation;
}

type Obj = Record<string, unknown>;

function bad(path: string, message: string, actual?: unknown): FerryError {
  return new FerryError('FERRY_USAGE', `ferry.yaml ${path}: ${message}`, { path, actual });
}
function object(value: unknown, path: string): Obj {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(path, 'expected a mapping', value);
  return value as Obj;
}
function optString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(path, 'expected a non-empty string', value);
  return value;
}
function secretSource(value: unknown, path: string): SecretSource | undefined {
  if (value === undefined || value === null) return undefined;
  const o = object(value, path);
  const s = { env: optString(o.secretEnv ?? o.tokenEnv, `${path}.secretEnv`), file: optString(o.secretFile ?? o.tokenFile, `${path}.secretFile`) };
  if (!s.env && !s.file) throw bad(path, 'name the secret with secretEnv or secretFile (never the secret itself)');
  if (o.secret !== undefined || o.token !== undefined) throw bad(path, 'secrets are not written in ferry.yaml: use secretEnv or secretFile');
  return s;
}

/** Validates a parsed ferry.yaml; relative paths are taken from `baseDir`. */
export function parseControllerConfig(raw: unknown, baseDir: string): ControllerConfig {
  const root = object(raw, '(top)');
  const abs = (p: string) => resolve(baseDir, p);
  const stateDir = abs(optString(root.stateDir, 'stateDir') ?? './ferry-state');
  const src = object(root.source, 'source');
  let source: ControllerConfig['source'];
  if (src.git !== undefined) {
    const g = object(src.git, 'source.git');
    const url = optString(g.url, 'source.git.url');
    if (!url) throw bad('source.git.url', 'required');
    if (/^[a-z]+:\/\/[^/]*@/i.test(url)) throw bad('source.git.url', 'credentials do not belong in the URL: use source.git.auth');
    const auth = g.auth === undefined ? undefined : (object(g.auth, 'source.git.auth') as GitAuthSource);
    if (auth && ((auth as Obj).password !== undefined || (auth as Obj).token !== undefined)) throw bad('source.git.auth', 'use passwordEnv/passwordFile or tokenEnv/tokenFile');
    source = {
      kind: 'git',
      url,
      branch: optString(g.branch, 'source.git.branch') ?? 'main',
      path: optString(g.path, 'source.git.path'),
      cloneDir: abs(optString(g.cloneDir, 'source.git.cloneDir') ?? resolve(stateDir, 'git', 'model.git')),
      project: optString(g.project, 'source.git.project'),
      auth: auth && {
        ...auth,
        passwordFile: auth.passwordFile ? abs(auth.passwordFile) : undefined,
        tokenFile: auth.tokenFile ? abs(auth.tokenFile) : undefined,
      },
    };
  } else if (src.dir !== undefined) {
    source = { kind: 'dir', dir: abs(optString(src.dir, 'source.dir') ?? '.') };
  } else {
    throw bad('source', 'say where the model is: source.git (a repository) or source.dir (a local checkout)');
  }
  const listen = object(root.listen, 'listen');
  const port = listen.port === undefined ? 8080 : Number(listen.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad('listen.port', 'expected a port number', listen.port);
  const pollRaw = root.poll === undefined ? {} : root.poll === false ? undefined : object(root.poll, 'poll');
  const poll = pollRaw && {
    intervalMs: parseDuration(pollRaw.interval ?? '5m', 'poll.interval'),
    jitter: pollRaw.jitter === undefined ? 0.1 : Number(pollRaw.jitter),
  };
  if (poll && (!(poll.jitter >= 0) || poll.jitter > 1)) throw bad('poll.jitter', 'expected a fraction between 0 and 1', pollRaw?.jitter);
  const watchRaw = root.watch === undefined ? (source.kind === 'dir' ? {} : undefined) : root.watch === false ? undefined : object(root.watch, 'watch');
  if (watchRaw && source.kind !== 'dir') throw bad('watch', 'only a local model (source.dir) can be watched');
  const hooks = object(root.webhooks, 'webhooks');
  const gerritRaw = hooks.gerrit;
  const gerrit = gerritRaw === undefined ? undefined : (Array.isArray(gerritRaw) ? gerritRaw : [gerritRaw]).map((g, i) => secretSource(g, `webhooks.gerrit[${i}]`) as SecretSource);
  const rec = object(root.reconcile, 'reconcile');
  const backoff = object(rec.backoff, 'reconcile.backoff');
  const ref = object(root.refresh, 'refresh');
  const refreshJitter = ref.jitter === undefined ? 0.1 : Number(ref.jitter);
  if (!(refreshJitter >= 0) || refreshJitter > 1) throw bad('refresh.jitter', 'expected a fraction between 0 and 1', ref.jitter);
  const render = object(root.render, 'render');
  const maxHeapMb = render.maxHeapMb === undefined ? DEFAULT_RENDER_ISOLATION.maxHeapMb : Number(render.maxHeapMb);
  if (!Number.isInteger(maxHeapMb) || maxHeapMb < 64) throw bad('render.maxHeapMb', 'expected a whole number of MiB, at least 64', render.maxHeapMb);
  const sig = root.signatures === undefined ? undefined : object(root.signatures, 'signatures');
  const keys = sig?.openpgpKeys === undefined ? [] : Array.isArray(sig.openpgpKeys) ? sig.openpgpKeys.map((k, i) => abs(optString(k, `signatures.openpgpKeys[${i}]`) as string)) : [];
  const allowed = optString(sig?.sshAllowedSigners, 'signatures.sshAllowedSigners');
  if (sig && keys.length === 0 && !allowed) throw bad('signatures', 'name trusted keys: openpgpKeys and/or sshAllowedSigners');
  return {
    stateDir,
    node: optString(root.node, 'node'),
    source,
    listen: { host: optString(listen.host, 'listen.host') ?? '127.0.0.1', port },
    serve: root.serve === undefined ? true : root.serve === true,
    poll,
    watch: watchRaw && { debounceMs: parseDuration(watchRaw.debounce ?? '300ms', 'watch.debounce') },
    webhooks: {
      gerrit,
      github: secretSource(hooks.github, 'webhooks.github'),
      gitea: secretSource(hooks.gitea, 'webhooks.gitea'),
      gitlab: secretSource(hooks.gitlab, 'webhooks.gitlab'),
      maxBodyBytes: hooks.maxBodyBytes === undefined ? 1024 * 1024 : Number(hooks.maxBodyBytes),
    },
    reconcile: {
      timeoutMs: parseDuration(rec.timeout ?? '2h', 'reconcile.timeout'),
      backoffBaseMs: parseDuration(backoff.base ?? '10s', 'reconcile.backoff.base'),
      backoffMaxMs: parseDuration(backoff.max ?? '10m', 'reconcile.backoff.max'),
    },
    refresh: {
      jitter: refreshJitter,
      coalesceMs: parseDuration(ref.coalesce ?? '30s', 'refresh.coalesce'),
      backoffBaseMs: parseDuration(ref.backoff ?? '30s', 'refresh.backoff'),
      progressLogMs: parseDuration(ref.progressLog ?? '5s', 'refresh.progressLog'),
    },
    render: { maxHeapMb, timeoutMs: render.timeout === undefined ? DEFAULT_RENDER_ISOLATION.timeoutMs : parseDuration(render.timeout, 'render.timeout') },
    signatures: sig ? { openpgpKeys: keys, sshAllowedSigners: allowed ? abs(allowed) : undefined } : undefined,
  };
}

export async function loadControllerConfig(path: string): Promise<ControllerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FerryError('FERRY_USAGE', `cannot read ${path}: ${(e as Error).message}`, { file: path }, e);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    if (!(e instanceof YAMLError)) throw e;
    const { message, line, column } = yamlSyntaxError(text, e);
    throw new FerryError('FERRY_YAML_SYNTAX', `YAML syntax error: ${message}`, { file: path, line, column }, e);
  }
  return parseControllerConfig(raw, dirname(resolve(path)));
}

/** Reads a secret named by a SecretSource (trailing newline dropped). */
export async function readSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (source.env) {
    const v = env[source.env];
    if (!v) throw new FerryError('FERRY_USAGE', `the secret variable ${source.env} is not set`, { expected: source.env });
    return v;
  }
  try {
    return (await readFile(source.file as string, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    throw new FerryError('FERRY_USAGE', `cannot read the secret file ${source.file}`, { file: source.file }, e);
  }
}
