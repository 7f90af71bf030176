/**
 * MCP's `_param:default_local_mirrror_content` (sic, three r's), what DriveTrain's offline
 * mirror node held besides aptly:
 *   docker_client_registry_image  salt-formula-docker `docker:client:registry:image` items
 *     ({registry: host[/prefix], name: image[:tag], target_registry}) -> one oci mirror per
 *     source registry host, named `docker-<host>`; tags of one image are gathered.
 *   git_server_repos  salt-formula-git `git:server:repos` items ({name, url}) -> one git
 *     mirror `git-server-repos` (repositories without url are created empty there: skipped).
 *   linux_system_file  salt-formula-linux `linux:system:file` ({<path>: {source, hash, name}})
 *     -> one file mirror `linux-system-files`; `hash` (`sha256=<hex>` or bare hex) -> sha256,
 *     the path (name or key, leading `/` dropped) -> path. Entries with `contents` are skipped.
 * Each part may also be wrapped the way the formula reads it ({image: [...]}, {repos: [...]},
 * {file: {...}}) and may carry `enabled: false`.
 */
import { ferryName, isRecord, text, type McpPath, type Translated } from './types.js';

const BASE: McpPath = ['_param', 'default_local_mirrror_content'];

function unwrap(v: unknown, key: string): { value: unknown; path: McpPath } {
  if (isRecord(v) && key in v) return { value: v[key], path: [key] };
  return { value: v, path: [] };
}

function disabled(v: unknown): boolean {
  return isRecord(v) && v.enabled === false;
}

export function localMirrorContent(parameters: Record<string, unknown>): Translated[] {
  const param = parameters._param;
  const content = isRecord(param) ? param.default_local_mirrror_content : undefined;
  if (!isRecord(content)) return [];
  return [...dockerImages(content), ...gitRepos(content), ...systemFiles(content)];
}

function splitImage(ref: string): { name: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at > ref.lastIndexOf('/')) return { name: ref.slice(0, at), tag: ref.slice(at + 1) };
  return { name: ref, tag: 'latest' };
}

function dockerImages(content: Record<string, unknown>): Translated[] {
  const raw = content.docker_client_registry_image;
  if (raw === undefined || disabled(raw)) return [];
  const { value, path } = unwrap(raw, 'image');
  const base = [...BASE, 'docker_client_registry_image', ...path];
  const list = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
  const keys = Array.isArray(value) ? list.map((_, i) => i) : isRecord(value) ? Object.keys(value) : [];
  const byHost = new Map<string, { images: Array<{ name: string; tags: string[] }>; from: McpPath[] }>();
  list.forEach((img, i) => {
    if (!isRecord(img) || typeof img.name !== 'string') return;
    const registry = typeof img.registry === 'string' && img.registry !== '' ? img.registry.replace(/^https?:\/\//, '') : 'docker.io';
    const [host, ...prefix] = registry.split('/');
    const { name, tag } = splitImage(img.name);
    const fullName = [...prefix, name].join('/');
    let group = byHost.get(host);
    if (!group) byHost.set(host, (group = { images: [], from: [] }));
    const existing = group.images.findIndex((x) => x.name === fullName);
    if (existing >= 0) {
      if (!group.images[existing].tags.includes(tag)) group.images[existing].tags.push(tag);
    } else {
      group.images.push({ name: fullName, tags: [tag] });
      group.from.push([...base, keys[i]]);
    }
  });
  return [...byHost.entries()].map(([host, g]) => ({
    name: ferryName(`docker-${host}`),
    spec: { kind: 'oci', registry: `https://${host}`, images: g.images },
    origin: base,
    field: (rest) => (rest[0] === 'images' && typeof rest[1] === 'number' && g.from[rest[1]] ? [...g.from[rest[1]], ...(rest.length > 2 ? ['name'] : [])] : base),
  }));
}

function gitRepos(content: Record<string, unknown>): Translated[] {
  const raw = content.git_server_repos;
  if (raw === undefined || disabled(raw)) return [];
  const { value, path } = unwrap(raw, 'repos');
  const base = [...BASE, 'git_server_repos', ...path];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : isRecord(value) ? Object.entries(value) : [];
  const from: McpPath[] = [];
  const repositories: Array<{ name: string; url: string }> = [];
  for (const [k, r] of entries) {
    if (!isRecord(r) || r.url === undefined || r.url === null) continue;
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

const SHA256 = /^(?:sha256=)?([0-9a-fA-F]{64})$/;

function systemFiles(content: Record<string, unknown>): Translated[] {
  const raw = content.linux_system_file;
  if (raw === undefined || disabled(raw)) return [];
  const { value, path } = unwrap(raw, 'file');
  const base = [...BASE, 'linux_system_file', ...path];
  if (!isRecord(value)) return [];
  const files: Array<Record<string, unknown>> = [];
  const from: Array<{ at: McpPath; hash: boolean }> = [];
  for (const [key, f] of Object.entries(value)) {
    if (!isRecord(f) || f.source === undefined || f.source === null) continue;
    const entry: Record<string, unknown> = { url: text(f.source) };
    const m = typeof f.hash === 'string' ? SHA256.exec(f.hash.trim()) : null;
    if (m) entry.sha256 = m[1].toLowerCase();
    else if (f.hash !== undefined) entry.sha256 = text(f.hash);
    const target = typeof f.name === 'string' ? f.name : key;
    entry.path = target.replace(/^\/+/, '');
    files.push(entry);
    from.push({ at: [...base, key], hash: f.hash !== undefined });
  }
  if (files.length === 0) return [];
  const rename: Record<string, string> = { url: 'source', sha256: 'hash', path: 'name' };
  return [
    {
      name: 'linux-system-files',
      spec: { kind: 'file', files },
      origin: base,
      field: (rest) => {
        if (rest[0] !== 'files' || typeof rest[1] !== 'number' || !from[rest[1]]) return base;
        const f = from[rest[1]];
        const leaf = rest[2] === undefined ? undefined : rename[String(rest[2])];
        if (leaf === 'hash' && !f.hash) return f.at;
        return leaf ? [...f.at, leaf] : f.at;
      },
    },
  ];
}
