/**
 * The file kind's part of an MCP model (Kind.mcp): `_param:default_local_mirrror_content:
 * linux_system_file`, salt-formula-linux's `linux:system:file` ({<key>: {source, hash, name}},
 * or wrapped in `{file: {...}}`), as one file mirror `linux-system-files`; the path is `name`
 * (or the key), leading `/` dropped. `hash` takes salt's source_hash forms: `sha256=<hex>` or
 * 64 hex digits -> sha256; `md5=<hex>` or 32 hex -> md5 (verified as given, sha256 recorded); a
 * URL (the `.md5` file next to the image) -> digest_url; none -> trust on first use (the sha256
 * seen first is recorded in the snapshot, and the plan says so). Entries with `contents` (or no
 * source) are not downloads: listed as not mirrored, with why. Pure.
 */
import { isRecord, localMirrorPart, text, type McpHook, type McpPart, type McpPath, type NotMirrored } from '../../core/mcp.js';

/** salt's source_hash forms as file-spec fields, or why they are not supported. */
export function digestFields(hash: unknown): { fields: Record<string, string>; problem?: string } {
  if (hash === undefined || hash === null || hash === '') return { fields: {} };
  const h = text(hash).trim();
  if (/^https?:\/\//.test(h)) return { fields: { digest_url: h } };
  const m = /^(?:(md5|sha1|sha224|sha256|sha384|sha512)=)?([0-9a-fA-F]+)$/.exec(h);
  const type = m ? (m[1] ?? { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' }[m[2].length]) : undefined;
  if (!m || !type) return { fields: {}, problem: `hash ${JSON.stringify(h)} is not one of salt's source_hash forms: give sha256=<64 hex digits>, md5=<32 hex digits>, the URL of a checksum file, or leave hash out for trust on first use` };
  if (type === 'sha256' || type === 'md5') return { fields: { [type]: m[2].toLowerCase() } };
  return { fields: {}, problem: `a ${type} digest: Ferry verifies sha256 or md5 (give one, or leave hash out for trust on first use)` };
}

function systemFiles(parameters: Record<string, unknown>): McpPart {
  const part = localMirrorPart(parameters, 'linux_system_file', 'file');
  if (!part || !isRecord(part.value)) return { mirrors: [], notMirrored: [] };
  const base = part.path;
  const files: Array<Record<string, unknown>> = [];
  const from: McpPath[] = [];
  const notMirrored: NotMirrored[] = [];
  for (const [key, f] of Object.entries(part.value)) {
    if (!isRecord(f) || f.enabled === false) continue;
    if (f.source === undefined || f.source === null) {
      // Nothing to download: said by name all the same (no entry is dropped in silence).
      notMirrored.push({ path: [...base, key], reason: f.contents !== undefined ? 'written from its contents on the node, not downloaded: nothing to mirror' : 'names no source: nothing to download' });
      continue;
    }
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

export const fileMcp: McpHook = {
  translate: systemFiles,
  reads: ['linux_system_file'],
};
