/**
 * Smart HTTP for the published repositories (gitprotocol-http "Smart Clients"): the two
 * requests of a clone or fetch, `GET <repo>.git/info/refs?service=git-upload-pack` and
 * `POST <repo>.git/git-upload-pack`, are answered by `git http-backend` (as CGI) over the
 * snapshot's own bare repository, so shallow (`--depth`) and partial (`--filter`) clones work,
 * and protocol v2. Pushes are refused. Every other path of a repository (`info/refs` without a
 * service, `objects/...`, `HEAD`) is a plain file of the tree: dumb HTTP keeps working from any
 * static server.
 *
 * `matchSmartHttp` is pure; `gitBackendEnv` gives http-backend its environment: the system and
 * user configuration left out, the repository trusted whoever owns it (`safe.directory`), every
 * repository exported, protocol v2 allowed.
 */
import type { KindCgi } from '../kind.js';
import { configEnv } from './git-cli.js';

export interface SmartHttpRequest {
  /** Segments of the repository folder (`git`, mirror, …, `<name>.git`). */
  repository: string[];
  /** `info/refs` or `git-upload-pack`. */
  endpoint: 'info/refs' | 'git-upload-pack';
}

/**
 * Whether `segments` (of a snapshot tree) with `query` and `method` is a smart-HTTP request to a
 * git mirror's repository; undefined for anything else (dumb requests included). A push
 * (`git-receive-pack`) matches too, so that it is refused rather than served as a file.
 */
export function matchSmartHttp(segments: readonly string[], query: string, method: string | undefined): (SmartHttpRequest & { refused?: boolean }) | undefined {
  if (segments[0] !== 'git' || segments.length < 4) return undefined;
  const last = segments[segments.length - 1];
  const service = new URLSearchParams(query.replace(/^\?/, '')).get('service');
  if (last === 'refs' && segments[segments.length - 2] === 'info' && service !== null) {
    const repository = segments.slice(0, -2);
    if (!repository[repository.length - 1].endsWith('.git') || method !== 'GET' && method !== 'HEAD') return undefined;
    return { repository, endpoint: 'info/refs', refused: service !== 'git-upload-pack' };
  }
  if (last === 'git-upload-pack' || last === 'git-receive-pack') {
    const repository = segments.slice(0, -1);
    if (!repository[repository.length - 1].endsWith('.git')) return undefined;
    return { repository, endpoint: 'git-upload-pack', refused: last !== 'git-upload-pack' || method !== 'POST' };
  }
  return undefined;
}

/** http-backend's environment (no request variables) over the tree at `treeRoot`: see the file comment. */
function gitBackendEnv(treeRoot: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    GIT_PROJECT_ROOT: treeRoot,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_HTTP_EXPORT_ALL: '1',
    ...configEnv([
      ['safe.directory', '*'],
      ['http.receivepack', 'false'],
      ['uploadpack.allowFilter', 'true'],
      ['protocol.version', '2'],
    ]),
  };
}

const BACKEND = ['/usr/lib/git-core/git-http-backend', '/usr/libexec/git-core/git-http-backend'];

/** The git kind's CGI route (Kind.serving.cgi): smart HTTP of every published repository. */
export const gitSmartHttp: KindCgi = {
  name: 'git smart HTTP (git http-backend)',
  match(segments, query, method) {
    const m = matchSmartHttp(segments, query, method);
    if (!m) return undefined;
    if (m.refused) return { refuse: 403, text: 'this mirror is read-only: only git-upload-pack (clone, fetch) is served\n' };
    return { pathInfo: `/${[...m.repository, m.endpoint].join('/')}` };
  },
  command: ['git', 'http-backend'],
  env: gitBackendEnv,
  nginx: { location: 'git/.+\\.git/(?:info/refs|git-upload-pack|git-receive-pack)', script: BACKEND[0] },
};
