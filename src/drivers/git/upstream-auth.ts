/**
 * How git reaches an upstream without credentials on its command line or in the cache's
 * config: the URL git sees has no user information; a user and password (or token) written
 * into an http(s) URL become an `Authorization: Basic` header scoped to that origin
 * (`http.<origin>/.extraHeader`, passed as a GIT_CONFIG_* environment entry); ssh takes the
 * mirror's key and known-hosts files through GIT_SSH_COMMAND, in batch mode (never a prompt).
 * Pure.
 */
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';

export interface SshOptions {
  /** Private key file on the mirror host. */
  keyFile?: string;
  /** known_hosts file; host keys are checked strictly (no trust on first use). */
  knownHostsFile?: string;
}

export interface UpstreamAccess {
  /** The URL git is given (no password). */
  url: string;
  /** GIT_CONFIG_* and GIT_SSH_COMMAND entries to add to git's environment. */
  config: Array<[string, string]>;
  env: Record<string, string>;
  /** Every form of the credentials, cut out of git's messages. */
  secrets: string[];
}

const SAFE_PATH = /^\/[A-Za-z0-9._+@%,:=~/-]*$/;

function sshCommand(options: SshOptions, where: Record<string, unknown>): string {
  const args = ['ssh', '-o', 'BatchMode=yes'];
  if (options.keyFile) {
    if (!SAFE_PATH.test(options.keyFile)) throw new FerryError('FERRY_INVALID_MODEL', `ssh_key_file must be an absolute path of letters, digits and ._+@%,:=~/- (git runs ssh through a shell): ${JSON.stringify(options.keyFile)}`, where);
    args.push('-o', 'IdentitiesOnly=yes', '-i', options.keyFile);
  }
  if (options.knownHostsFile) {
    if (!SAFE_PATH.test(options.knownHostsFile)) throw new FerryError('FERRY_INVALID_MODEL', `ssh_known_hosts_file must be an absolute path of letters, digits and ._+@%,:=~/-: ${JSON.stringify(options.knownHostsFile)}`, where);
    args.push('-o', `UserKnownHostsFile=${options.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes');
  }
  return args.join(' ');
}

/** The URL and environment git needs to reach `url` (http(s), ssh:// or git://). */
export function upstreamAccess(url: string, ssh: SshOptions = {}): UpstreamAccess {
  const u = new URL(url);
  const where = { url: redactUrl(url) };
  if (u.protocol === 'ssh:') {
    if (u.password) throw new FerryError('FERRY_INVALID_MODEL', `${redactUrl(url)}: ssh URLs take no password; give the mirror an ssh_key_file`, where);
    return { url, config: [], env: { GIT_SSH_COMMAND: sshCommand(ssh, where), GIT_SSH_VARIANT: 'ssh' }, secrets: [] };
  }
  if (u.protocol === 'git:') return { url, config: [], env: {}, secrets: [] };
  if (!u.username && !u.password) return { url, config: [], env: {}, secrets: [] };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  const secrets = [password, basic, url].filter((s) => s.length > 0);
  return { url: u.toString(), config: [[`http.${u.origin}/.extraHeader`, `Authorization: Basic ${basic}`]], env: {}, secrets };
}
