/**
 * Credentials for the metadata repository. They are read from the environment or from files
 * (a systemd credential, a Kubernetes secret mount), never from ferry.yaml itself, and they are
 * turned into one Authorization header sent with every git request. Nothing here is ever logged:
 * `describeGitAuth` is the only form allowed in a log line.
 */
import { readFile } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';

/** Resolved credentials: basic (user + password, Gerrit's HTTP password) or a bearer token. */
export interface GitAuth {
  username?: string;
  password?: string;
  /** Sent as `Authorization: Bearer <token>` (GitLab, Gitea); with `username` set, as basic auth instead. */
  token?: string;
}

/** Where credentials come from, as ferry.yaml names them. */
export interface GitAuthSource {
  username?: string;
  usernameEnv?: string;
  passwordEnv?: string;
  passwordFile?: string;
  tokenEnv?: string;
  tokenFile?: string;
}

export interface ResolveAuthOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

async function secretFrom(
  what: string,
  envName: string | undefined,
  file: string | undefined,
  options: ResolveAuthOptions,
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  if (envName) {
    const value = env[envName];
    if (value === undefined || value === '') {
      throw new FerryError('FERRY_USAGE', `the ${what} variable ${envName} is not set`, { expected: envName });
    }
    return value;
  }
  if (file) {
    try {
      return (await readFile(file, { encoding: 'utf8', signal: options.signal })).replace(/\r?\n$/, '');
    } catch (e) {
      throw new FerryError('FERRY_USAGE', `cannot read the ${what} file ${file}`, { file }, e);
    }
  }
  return undefined;
}

/** Reads the credentials a source names; undefined when the source names none. */
export async function resolveGitAuth(source: GitAuthSource | undefined, options: ResolveAuthOptions = {}): Promise<GitAuth | undefined> {
  if (!source) return undefined;
  const env = options.env ?? process.env;
  const username = source.username ?? (source.usernameEnv ? env[source.usernameEnv] : undefined);
  const password = await secretFrom('password', source.passwordEnv, source.passwordFile, options);
  const token = await secretFrom('token', source.tokenEnv, source.tokenFile, options);
  if (!username && !password && !token) return undefined;
  return { username, password, token };
}

/** The Authorization header for a request, or none. */
export function gitAuthHeaders(auth: GitAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.token && !auth.username) return { authorization: `Bearer ${auth.token}` };
  const secret = auth.password ?? auth.token;
  if (auth.username === undefined && secret === undefined) return {};
  const basic = Buffer.from(`${auth.username ?? ''}:${secret ?? ''}`).toString('base64');
  return { authorization: `Basic ${basic}` };
}

/** What may be logged about credentials: their kind, never their value. */
export function describeGitAuth(auth: GitAuth | undefined): string {
  if (!auth) return 'none';
  if (auth.token && !auth.username) return 'bearer token';
  return `basic (user ${auth.username ?? '(empty)'})`;
}

/**
 * Credentials for one-shot commands (`ferry plan --repo URL` in a Gerrit verify job) from the
 * environment: FERRY_GIT_USERNAME with FERRY_GIT_PASSWORD or FERRY_GIT_PASSWORD_FILE, or
 * FERRY_GIT_TOKEN / FERRY_GIT_TOKEN_FILE. Undefined when none is set.
 */
export async function gitAuthFromEnv(env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<GitAuth | undefined> {
  const pick = (name: string) => (env[name] ? name : undefined);
  return resolveGitAuth(
    {
      usernameEnv: pick('FERRY_GIT_USERNAME'),
      passwordEnv: pick('FERRY_GIT_PASSWORD'),
      passwordFile: pick('FERRY_GIT_PASSWORD') ? undefined : env.FERRY_GIT_PASSWORD_FILE,
      tokenEnv: pick('FERRY_GIT_TOKEN'),
      tokenFile: pick('FERRY_GIT_TOKEN') ? undefined : env.FERRY_GIT_TOKEN_FILE,
    },
    { env, signal },
  );
}
