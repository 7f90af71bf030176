/**
 * Issue 12: accounts for every mirror an MCP node lists by walking MCP's vocabulary itself
 * (aptly and debmirror mirrors, aptly's publisher entries, docker images, the offline mirror
 * content) and looking each entry up in what the translation gives (test/unit/desired/
 * mcp-accounting.test.ts; run against the public model as README "The MCP vocabulary" says).
 */
import { translateMcp, withMcpMirrors } from '../../src/drivers/mcp.js';
import { parseImageRef } from '../../src/drivers/oci/mcp.js';

export type Params = Record<string, unknown>;
export const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const items = (v: unknown): Array<[string | number, unknown]> => (Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(rec(v)));
const off = (v: unknown) => rec(v).enabled === false;

/** Each MCP entry of `params` with how it is accounted for: 'mirrored', 'held', 'listed', 'disabled', or 'MISSING'. */
export function account(params: Params): Record<string, string> {
  const t = translateMcp(params);
  const w = withMcpMirrors(params);
  const mirrors = rec((w.ferry as Params | undefined)?.mirrors);
  const notes = [...t.notMirrored, ...w.notMirrored].map((n) => ['parameters', ...n.path].join('.'));
  const listed = (path: string) => notes.some((n) => n === path || n.startsWith(`${path}.`));
  const out: Record<string, string> = {};
  const specs = [...t.mirrors.values()];
  const byOrigin = (path: string) => specs.find((s) => ['parameters', ...s.origin].join('.') === path);
  const mark = (path: string, found: boolean, disabled = false) => {
    const held = byOrigin(path)?.held;
    out[path] = disabled ? 'disabled' : held ? 'held' : found ? 'mirrored' : listed(path) ? 'listed' : 'MISSING';
  };
  for (const base of [['aptly', 'server', 'mirror'], ['debmirror', 'client', 'mirrors']]) {
    const parent = rec(rec(params[base[0]])[base[1]]);
    for (const [name, m] of items(parent[base[2]])) {
      const path = ['parameters', ...base, name].join('.');
      mark(path, byOrigin(path) !== undefined && !listed(path), off(m) || off(parent));
      // aptly's publisher: each distribution it was published under is in a publication, or listed.
      for (const d of (rec(rec(m).publisher).distributions as string[] | undefined) ?? []) {
        const pub = `${path}.publisher`;
        const [prefix, dist] = [d.slice(0, d.lastIndexOf('/')), d.slice(d.lastIndexOf('/') + 1)];
        const inPublication = Object.values(mirrors).some((s) => rec(s).kind === 'deb-publication' && rec(s).prefix === prefix && ((rec(rec(s).distributions)[dist] as Array<{ mirror: string }> | undefined) ?? []).some((x) => x.mirror === byOrigin(path)?.name));
        out[`${pub} ${d}`] = off(m) ? 'disabled' : inPublication ? 'mirrored' : listed(pub) ? 'listed' : 'MISSING';
      }
    }
  }
  const images = specs.filter((s) => s.spec.kind === 'oci').flatMap((s) => (s.spec.images as Array<{ name: string; tags: string[] }>).flatMap((i) => i.tags.map((tag) => `${String(s.spec.registry)}/${i.name}:${tag}`)));
  const has = (ref: string) => {
    const r = parseImageRef(ref);
    return images.includes(`https://${r.host === 'docker.io' ? 'registry-1.docker.io' : r.host}/${r.name}:${r.tag}`);
  };
  const docker = rec(rec(params.docker).client);
  for (const [k, img] of items(docker.images)) mark(`parameters.docker.client.images.${k}`, has(typeof img === 'string' ? img : String(rec(img).image ?? rec(img).name)), off(img) || off(docker));
  const content = rec(rec(params._param).default_local_mirrror_content);
  const part = (key: string, wrapper: string) => {
    const raw = content[key];
    return rec(raw)[wrapper] !== undefined ? { value: rec(raw)[wrapper], at: `parameters._param.default_local_mirrror_content.${key}.${wrapper}`, disabled: off(raw) } : { value: raw, at: `parameters._param.default_local_mirrror_content.${key}`, disabled: off(raw) };
  };
  const reg = part('docker_client_registry_image', 'image');
  for (const [k, img] of items(reg.value)) mark(`${reg.at}.${k}`, has(`${String(rec(img).registry)}/${String(rec(img).name)}`), reg.disabled || off(img));
  const files = specs.filter((s) => s.spec.kind === 'file').flatMap((s) => (s.spec.files as Array<{ url: string }>).map((f) => f.url));
  const lsf = part('linux_system_file', 'file');
  for (const [k, f] of items(lsf.value)) if (rec(f).source !== undefined) mark(`${lsf.at}.${k}`, files.includes(String(rec(f).source)), lsf.disabled || off(f));
  const repos = specs.filter((s) => s.spec.kind === 'git').flatMap((s) => (s.spec.repositories as Array<{ url: string }>).map((r) => r.url));
  const git = part('git_server_repos', 'repos');
  for (const [k, r] of items(git.value)) if (rec(r).url !== undefined) mark(`${git.at}.${k}`, repos.includes(String(rec(r).url)), git.disabled || off(r));
  const maas = part('maas_mirror_image_sections', 'sections');
  for (const [k, s] of items(maas.value)) mark(`${maas.at}.${k}`, false, maas.disabled || off(s));
  for (const key of Object.keys(content)) if (!['docker_client_registry_image', 'docker_client_registry_target_registry', 'linux_system_file', 'git_server_repos', 'maas_mirror_image_sections', 'enabled'].includes(key)) mark(`parameters._param.default_local_mirrror_content.${key}`, false, off(content[key]));
  return out;
}


/** How many entries each way. */
export const tally = (a: Record<string, string>) => Object.values(a).reduce<Record<string, number>>((n, v) => ({ ...n, [v]: (n[v] ?? 0) + 1 }), {});
