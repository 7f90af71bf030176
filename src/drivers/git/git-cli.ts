/**
 * Runs Debian's `git` for the mirror: arguments as an array (no shell), a fixed environment
 * (no terminal prompt, C locale for messages, no pager), input on stdin, output collected up
 * to a limit. Credentials reach git only through the environment (`GIT_CONFIG_COUNT` entries,
 * see upstream-auth.ts), never the command line, so they stay out of process lists and logs;
 * messages git prints are redacted before they become errors.
 *
 * A failure is FERRY_GIT with git's exit code and the last lines of its stderr; an abort kills
 * git and is FERRY_ABORTED. A missing git binary names the install script.
 */
import { spawn } from 'node:child_process';
import { FerryError } from '../../core/ferry-error.js';

export interface GitRunOptions {
  signal: AbortSignal;
  /** The repository (`--git-dir`); omitted for commands that need none (ls-remote). */
  gitdir?: string;
  /** Extra environment (credentials as GIT_CONFIG_* entries, GIT_SSH_COMMAND). */
  env?: Record<string, string>;
  /** Written to git's stdin, then closed. */
  input?: string;
  /** Strings to cut out of error messages (credentials in any form). */
  secrets?: readonly string[];
  /** Most bytes of stdout kept (default 256 MiB); more is an error. */
  maxOutput?: number;
  /** What the call is for, in error messages ("fetching https://…"). */
  what: string;
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

const STDERR_KEPT = 64 * 1024;

/** The environment every git call of the driver gets, on top of PATH and HOME. */
function baseGitEnv(): Record<string, string> {
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    LC_ALL: 'C',
  };
  for (const name of ['PATH', 'HOME', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'ALL_PROXY', 'SSH_AUTH_SOCK', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** `git -c key=value` settings as environment entries (GIT_CONFIG_COUNT), out of the process list. */
export function configEnv(entries: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Removes every secret (and its URL-encoded form) from `text`. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue;
    out = out.replaceAll(s, '***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.replaceAll(encoded, '***');
  }
  return out;
}

/** Runs `git [--git-dir D] args…`; resolves with its output when it exits 0. */
export function runGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  const full = options.gitdir ? ['--git-dir', options.gitdir, ...args] : [...args];
  const limit = options.maxOutput ?? 256 * 1024 * 1024;
  return new Promise<GitResult>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new FerryError('FERRY_ABORTED', `${options.what}: cancelled`, {}, options.signal.reason));
      return;
    }
    const child = spawn('git', full, { env: { ...baseGitEnv(), ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let overflow = false;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limit) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (options.signal.aborted) reject(new FerryError('FERRY_ABORTED', `${options.what}: cancelled`, {}, options.signal.reason));
      else if (e.code === 'ENOENT') reject(new FerryError('FERRY_GIT', `${options.what}: the git program is missing: run scripts/install-git.sh (as root)`, { expected: 'git' }, e));
      else reject(new FerryError('FERRY_GIT', `${options.what}: git could not be started: ${e.message}`, {}, e));
    });
    child.on('close', (code, signal) => {
      if (options.signal.aborted) {
        reject(new FerryError('FERRY_ABORTED', `${options.what}: cancelled`, {}, options.signal.reason));
        return;
      }
      const stderr = scrub(err, options.secrets);
      if (overflow) {
        reject(new FerryError('FERRY_GIT', `${options.what}: git printed more than ${limit} bytes`, { actual: outBytes }));
        return;
      }
      if (code !== 0) {
        let tail = stderr.trim().split('\n').slice(-6).join('\n');
        if (/could not read (Username|Password)|terminal prompts disabled/.test(tail)) tail += ' (the server asks for credentials: give them in the repository URL, or they were refused)';
        reject(new FerryError('FERRY_GIT', `${options.what}: git ${args[0]} failed (${signal ?? `exit ${code}`})${tail ? `: ${tail}` : ''}`, { actual: signal ?? code }));
        return;
      }
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}
