/**
 * MCP's `_param:default_local_mirrror_content` (sic, three r's), what DriveTrain's offline
 * mirror node held besides aptly and debmirror:
 *   docker_client_registry_image  -> oci mirrors (docker-images.ts)
 *   git_server_repos  salt-formula-git `git:server:repos` items ({name, url}) -> one git
 *     mirror `git-server-repos` (repositories without url are created empty there: skipped).
 *   linux_system_file  salt-formula-linux `linux:system:file` ({<key>: {source, hash, name}})
 *     -> one file mirror `linux-system-files`; the path is `name` (or the key), leading `/`
 *     dropped. `hash` takes salt's source_hash forms: `sha256=<hex>` or 64 hex digits ->
 *     sha256; `md5=<hex>` or 32 hex -> md5 (verified as given, sha256 recorded); a URL (the
 *     `.md5` file next to the image) -> digest_url; none -> trust on first use (the sha256
 *     seen first is recorded in the snapshot, and the plan says so). Entries with `contents`
 *     are not downloads: skipped.
 *   maas_mirror_image_sections  MAAS boot images (simplestreams): not mirrored yet, listed.
 * Each part may be wrapped the way the formula reads it ({image: [...]}, {repos: [...]},
 * {file: {...}}) and may carry `enabled: false`. Any other part is listed as not mirrored.
 */
import { isRecord, itemsOf, text, type McpPart, type McpPath, type NotMirrored, type Translated } from './types.js';
import { registryImages, type ImageGroups } from './docker-images.js';

const BASE: McpPath = ['_param', 'default_local_mirrror_content'];
const KNOWN = new Set(['docker_client_registry_image', 'docker_client_registry_target_registry', 'git_server_repos', 'linux_system_file', 'maas_mirror_image_sections', 'enabled']);

function unwrap(v: unknown, key: string): { value: unknown; path: McpPath } {
  if (isRecord(v) && key in v) return { value: v[key], path: [key] };
  return { value: v, path: [] };
}

function disabled(v: unknown): boolean {
  return isRecord(v) && v.enabled === false;
}

export function localMirrorContent(parameters: Record<string, unknown>, images: ImageGroups): McpPart {
  const param = parameters._param;
  const content = isRecord(param) ? param.default_local_mirrror_content : undefined;
  if (!isRecord(content) || content.enabled === false) return { mirrors: [], notMirrored: [] };
  const notMirrored: NotMirrored[] = [];
  const raw = content.docker_client_registry_image;
  if (raw !== undefined && !disabled(raw)) {
    const { value, path } = unwrap(raw, 'image');
    registryImages(value, [...BASE, 'docker_client_registry_image', ...path], images);
  }
  const maas = content.maas_mirror_image_sections;
  if (maas !== undefined && !disabled(maas)) {
    for (const [k, section] of itemsOf(maas)) {
      if (disabled(section)) continue;
      const upstream = isRecord(section) && section.upstream !== undefined ? ` from ${text(section.upstream)}` : '';
      notMirrored.push({ path: [...BASE, 'maas_mirror_image_sections', k], reason: `MAAS boot images (simplestreams${upstream}): Ferry has no simplestreams kind yet` });
    }
  }
  for (const key of Object.keys(content)) {
    if (!KNOWN.has(key) && !disabled(content[key])) notMirrored.push({ path: [...BASE, key], reason: 'a part of the offline mirror content Ferry does not know' });
  }
  const files = systemFiles(content);
  return { mirrors: [...gitRepos(content), ...files.mirrors], notMirrored: [...notMirrored, ...files.notMirrored] };
}

function gitRepos(content: Record<string, unknown>): Translated[] {
  const raw = content.git_server_repos;
  if (raw === undefined || disabled(raw)) return [];
  const { value, path } = unwrap(raw, 'repos');
  const base = [...BASE, 'git_server_repos', ...path];
  const from: McpPath[] = [];
  const repositories: Array<{ name: string; url: string }> = [];
  for (const [k, r] of itemsOf(value)) {
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

/** salt's source_hash forms as file-spec fields, or why they are not supported. */
export function digestFields(hash: unknown): { fields: Record<string, string>; problem?: string } {
  if (hash === undefined || hash === null || hash === '') return { fields: {} };
  const h = text(hash).trim();
  if (/^https?:\/\//.test(h)) return { fields: { digest_url: h } };
  const m = /^(?:(md5|sha1|sha224|sha256|sha384|sha512)=)?([0-9a-fA-F]+)$/.exec(h);
  const type = m ? (m[1] ?? { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' }[m[2].length]) : undefined;
  if (!m || !type) return { fields: { sha256: h }, problem: undefined };
  if (type === 'sha256' || type === 'md5') return { fields: { [type]: m[2].toLowerCase() } };
  return { fields: {}, problem: `a ${type} digest: Ferry verifies sha256 or md5 (give one, or leave hash out for trust on first use)` };
}

function systemFiles(content: Record<string, unknown>): McpPart {
  const raw = content.linux_system_file;
  if (raw === undefined || disabled(raw)) return { mirrors: [], notMirrored: [] };
  const { value, path } = unwrap(raw, 'file');
  const base = [...BASE, 'linux_system_file', ...path];
  if (!isRecord(value)) return { mirrors: [], notMirrored: [] };
  const files: Array<Record<string, unknown>> = [];
  const from: McpPath[] = [];
  const notMirrored: NotMirrored[] = [];
  for (const [key, f] of Object.entries(value)) {
    if (!isRecord(f) || f.source === undefined || f.source === null || f.enabled === false) continue;
    const digest = digestFields(f.hash);
    if (digest.problem) {
      notMirrored.push({ path: [...base, key, 'hash'], reason: digest.problem });
      continue;
    }
    const target = typeof f.name === 'string' ? f.name : key;
    files.push({ url: text(f.source), ...digest.fields, path: target.replace(/^\/+/, '') });
    from.push([...base, key]);
  }
  if (files.length === 0) return { mirrors: [], notMirrored };
  const rename: Record<string, string> = { url: 'source', sha256: 'hash', md5: 'hash', digest_url: 'hash', path: 'name' };
  return {
    mirrors: [
      {
        name: 'linux-system-files',
        spec: { kind: 'file', files },
        origin: base,
        field: (rest) => {
          if (rest[0] !== 'files' || typeof rest[1] !== 'number' || !from[rest[1]]) return base;
          const at = from[rest[1]];
          const leaf = rest[2] === undefined ? undefined : rename[String(rest[2])];
          return leaf ? [...at, leaf] : at;
        },
      },
    ],
    notMirrored,
  };
}
