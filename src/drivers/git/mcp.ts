/**
 * The git kind's part of an MCP model (Kind.mcp): `_param:default_local_mirrror_content:
 * git_server_repos`, salt-formula-git's `git:server:repos` items ({name, url}, as a list or
 * wrapped in `{repos: [...]}`), as one git mirror `git-server-repos`. A repository without
 * `url` is created empty on the git server (nothing to mirror), and an item with
 * `enabled: false` is skipped. Pure.
 */
import { isRecord, itemsOf, localMirrorPart, text, type McpHook, type McpPath, type Translated } from '../../core/mcp.js';

function gitServerRepos(parameters: Record<string, unknown>): Translated[] {
  const part = localMirrorPart(parameters, 'git_server_repos', 'repos');
  if (!part) return [];
  const base = part.path;
  const from: McpPath[] = [];
  const repositories: Array<{ name: string; url: string }> = [];
  for (const [k, r] of itemsOf(part.value)) {
    if (!isRecord(r) || r.url === undefined || r.url === null || r.enabled === false) continue;
    repositories.push({ name: text(r.name ?? k), url: text(r.url) });
    from.push([...base, k]);
  }
  if (repositories.length === 0) return [];
  return [
    {
      name: 'git-server-repos',
      spec: { kind: 'git', repositories },
      origin: base,
      field: (rest) => (rest[0] === 'repositories' && typeof rest[1] === 'number' && from[rest[1]] ? [...from[rest[1]], ...rest.slice(2)] : base),
    },
  ];
}

export const gitMcp: McpHook = {
  translate: (parameters) => ({ mirrors: gitServerRepos(parameters), notMirrored: [] }),
  reads: ['git_server_repos'],
};
