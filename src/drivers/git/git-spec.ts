/**
 * The spec of a `kind: git` mirror, checked beyond what the JSON Schema can say: repository
 * names are paths under the mirror root (`salt-formulas/nginx`, published as
 * `salt-formulas/nginx.git/`), unique, and (as no folder but the last may end in `.git`) never nested in one another; ref
 * patterns name branches or tags only (`master`, `refs/tags/*`, `refs/heads/release/*`).
 */
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import { safeRelativePath } from '../../core/safe-path.js';

export interface GitRepositorySpec {
  name: string;
  url: string;
  refs?: string[];
}

export interface GitSpec {
  repositories: GitRepositorySpec[];
  /** For ssh:// upstreams: a private key and a known_hosts file on the mirror host. */
  ssh_key_file?: string;
  ssh_known_hosts_file?: string;
}

export interface GitRepository {
  /** Normalised name, without a trailing `.git`. */
  name: string;
  url: string;
  /** Ref patterns; all branches and tags when the spec gives none. */
  refs: string[];
  /** Folder of the published bare repository under the mirror root: `<name>.git`. */
  dir: string;
  ssh: { keyFile?: string; knownHostsFile?: string };
}

export const DEFAULT_REF_PATTERNS: readonly string[] = ['refs/heads/*', 'refs/tags/*'];

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
// git check-ref-format forbids these anywhere in a ref name; `*` is our glob.
const BAD_REF_CHARS = /[\s~^:?[\\]|\.\.|@\{|\/\/|\.lock(\/|$)|\/\.|^\.|\/$|\.$/;

function invalid(message: string, data: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_INVALID_MODEL', message, data);
}

/** Checks one ref pattern; throws FERRY_INVALID_MODEL naming the repository. */
export function checkRefPattern(pattern: string, context: { repository: string; url: string }): string {
  const where = { repository: context.repository, url: redactUrl(context.url), actual: pattern };
  if (typeof pattern !== 'string' || pattern === '') throw invalid(`git repository ${context.repository}: empty ref pattern`, where);
  if (BAD_REF_CHARS.test(pattern) || [...pattern].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw invalid(`git repository ${context.repository}: ref pattern ${JSON.stringify(pattern)} is not a valid ref name`, where);
  if ((pattern.match(/\*/g) ?? []).length > 1) throw invalid(`git repository ${context.repository}: ref pattern ${JSON.stringify(pattern)} has more than one *`, where);
  if (pattern.startsWith('refs/') && !pattern.startsWith('refs/heads/') && !pattern.startsWith('refs/tags/')) {
    throw invalid(`git repository ${context.repository}: ref pattern ${JSON.stringify(pattern)} is neither under refs/heads/ nor refs/tags/ (only branches and tags are mirrored)`, where);
  }
  return pattern;
}

/** Checks and normalises a git spec. Pure; throws FERRY_INVALID_MODEL or FERRY_UNSAFE_PATH. */
export function parseGitSpec(spec: unknown, resource: string): GitRepository[] {
  const given = spec as Partial<GitSpec> | undefined;
  const repositories = given?.repositories;
  const ssh = {
    ...(given?.ssh_key_file !== undefined ? { keyFile: given.ssh_key_file } : {}),
    ...(given?.ssh_known_hosts_file !== undefined ? { knownHostsFile: given.ssh_known_hosts_file } : {}),
  };
  if (!Array.isArray(repositories) || repositories.length === 0) {
    throw invalid(`${resource}: a git mirror needs at least one repository`, { resource });
  }
  const byDir = new Map<string, string>();
  const out = repositories.map((r): GitRepository => {
    if (typeof r?.url !== 'string' || !/^(https?|ssh|git):\/\/[^/]/.test(r.url) || !URL.canParse(r.url)) {
      throw invalid(`${resource}: git repository ${String(r?.name)} needs an http(s)://, ssh:// or git:// url`, { resource, repository: r?.name, url: typeof r?.url === 'string' ? redactUrl(r.url) : undefined });
    }
    const url = redactUrl(r.url);
    const path = safeRelativePath(String(r.name), { resource, url });
    const name = path.replace(/\.git$/, '');
    for (const segment of name.split('/')) {
      if (!SEGMENT.test(segment) || segment.endsWith('.git')) {
        throw invalid(`${resource}: git repository name ${JSON.stringify(r.name)} has a bad segment ${JSON.stringify(segment)} (letters, digits, . _ -; no leading dot; only the last may end in .git)`, { resource, repository: r.name, url });
      }
    }
    const dir = `${name}.git`;
    const other = byDir.get(dir);
    if (other !== undefined) throw invalid(`${resource}: two git repositories are published at ${dir} (${other} and ${url})`, { resource, repository: name, url });
    byDir.set(dir, url);
    const refs = (r.refs ?? [...DEFAULT_REF_PATTERNS]).map((p) => checkRefPattern(p, { repository: name, url: r.url }));
    if (refs.length === 0) throw invalid(`${resource}: git repository ${name} selects no refs (leave refs out for all branches and tags)`, { resource, repository: name, url });
    return { name, url: r.url, refs, dir, ssh };
  });
  return out.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}
