/**
 * salt-formula-debmirror's `debmirror:client:mirrors:<name>` (the bulk of an MCP 2019.2 offline
 * apt node: one mirror per mirror.mirantis.com repository) as Ferry deb mirrors. The formula runs
 *   debmirror <extra_flags> --dist=<dist,..> --section=<section,..> --method=<method>
 *     --host=<mirror_host> --root=<mirror_root> --arch=<arch,..>
 *     --exclude-deb-section='<s>'... <filter values, sorted by key> <target_dir>
 * and debmirror keeps a package when its Filename matches an --include regex, or else matches
 * no --exclude regex and its Section no --exclude-deb-section regex (debmirror 2.37,
 * "Parsing Packages and Sources files"). That rule becomes one aptly-style filter over
 * `Filename` and `Section` with `~` (regex) conditions; debmirror resolves no dependencies,
 * so neither does the translation (with_deps: false). debmirror fetches sources unless
 * `--nosource`. Operational fields (target_dir, log_file, lock_target, force, cache_dir,
 * proxies, fetch_retry) have no mirror content and are dropped; a method other than http(s),
 * or a debmirror option with no equivalent, is listed as not mirrored.
 *
 * The formula has no field for keys: debmirror checked Release signatures with the host's
 * keyring (`--keyring`, else ~/.gnupg/trustedkeys.gpg), or not at all (`--no-check-gpg`, as every
 * MCP 2019.2 mirror_mirantis_com class says). Ferry re-signs what it publishes, so nothing would
 * check those packages any more: such a mirror is held (Translated.held), listed loudly as
 * unverifiable and not mirrored, until `parameters.ferry.mirrors.<name>` replaces it with
 * `override: true` and keys (MCP keeps mirror.mirantis.com's keys in
 * system.linux.system.repo.keystorage.*: `\${_param:linux_system_repo_mcp_<repo>_key}`).
 */
import { dotted, ferryName, isRecord, text, words, type McpPart, type McpPath, type NotMirrored, type Translated } from '../../../core/mcp.js';

const BASE: McpPath = ['debmirror', 'client', 'mirrors'];

const FIELDS: Record<string, string> = {
  url: 'mirror_host',
  suites: 'dist',
  components: 'section',
  architectures: 'arch',
  filter: 'filter',
  with_sources: 'extra_flags',
};

/** One shell word as the shell reads it (quotes removed): what debmirror receives. */
export function shellWord(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      out += s.slice(i + 1, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        out += s[j];
      }
      i = j;
    } else if (c === '\\' && i + 1 < s.length) out += s[++i];
    else out += c;
  }
  return out.trim();
}

/** A regex value for the query syntax: quoted with a quote it does not contain. */
function quoted(re: string): string | undefined {
  if (!re.includes('"')) return `"${re}"`;
  if (!re.includes("'")) return `'${re}'`;
  return undefined;
}

/** Python's sorted() over the filter keys (ints in YAML 1.1: `001` is 1). */
function sortedKeys(keys: string[]): string[] {
  const numeric = keys.every((k) => /^-?\d+$/.test(k));
  return [...keys].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

/** debmirror's selection rule as an aptly-style filter, or why it cannot be one. */
export function debmirrorFilter(includes: string[], excludes: string[], sections: string[]): { filter?: string; problem?: string } {
  const cond = (field: string, res: string[]): string | undefined => {
    if (res.length === 0) return undefined;
    const q = quoted(res.length === 1 ? res[0] : `(${res.join('|')})`);
    return q === undefined ? undefined : `${field} (~ ${q})`;
  };
  const inc = cond('Filename', includes);
  const exc = [cond('Filename', excludes), cond('Section', sections)].filter((c): c is string => c !== undefined);
  if ((includes.length && !inc) || exc.length !== (excludes.length ? 1 : 0) + (sections.length ? 1 : 0)) return { problem: 'a regex holds both quote characters' };
  if (exc.length === 0) return {};
  const dropped = exc.length === 1 ? exc[0] : `(${exc.join(' | ')})`;
  return { filter: inc ? `${inc} | !${dropped}` : `!${dropped}` };
}

export function debmirrorMirrors(parameters: Record<string, unknown>): McpPart {
  const client = isRecord(parameters.debmirror) ? parameters.debmirror.client : undefined;
  if (!isRecord(client) || client.enabled === false || !isRecord(client.mirrors)) return { mirrors: [], notMirrored: [] };
  const mirrors: Translated[] = [];
  const notMirrored: NotMirrored[] = [];
  for (const [mcpName, m] of Object.entries(client.mirrors)) {
    if (!isRecord(m)) continue;
    const origin = [...BASE, mcpName];
    const method = m.method === undefined || m.method === null ? 'http' : text(m.method);
    if (m.enabled !== false && method !== 'http' && method !== 'https') {
      notMirrored.push({ path: [...origin, 'method'], reason: `debmirror method ${method}: Ferry fetches deb repositories over http(s); set method: http (mirror.mirantis.com serves both)` });
      continue;
    }
    const spec: Record<string, unknown> = { kind: 'deb' };
    if (m.enabled === false) spec.enabled = false;
    const host = m.mirror_host === undefined ? '' : text(m.mirror_host).replace(/^"|"$/g, '');
    const root = m.mirror_root === undefined ? '' : text(m.mirror_root).replace(/^[/:]+/, '');
    spec.url = `${method}://${host}/${root}`;
    const suites = words(m.dist);
    if (suites) spec.suites = suites;
    const components = words(m.section);
    if (components) spec.components = components;
    spec.architectures = words(m.arch) ?? ['amd64'];
    const flags = (words(m.extra_flags) ?? []).map(shellWord);
    spec.with_sources = !flags.some((f) => f === '--nosource' || f === '--no-source');
    const includes: string[] = [];
    const excludes: string[] = [];
    const sections = (words(m.exclude_deb_section) ?? []).map(shellWord);
    const filterPaths: McpPath[] = [];
    if (isRecord(m.filter)) {
      for (const key of sortedKeys(Object.keys(m.filter))) {
        const raw = m.filter[key];
        if (raw === null || raw === undefined) continue;
        const flag = shellWord(text(raw));
        const at = [...origin, 'filter', key];
        const eq = flag.indexOf('=');
        const option = eq < 0 ? flag : flag.slice(0, eq);
        const value = eq < 0 ? '' : flag.slice(eq + 1);
        if (option === '--exclude') excludes.push(value);
        else if (option === '--include') includes.push(value);
        else if (option === '--exclude-deb-section') sections.push(value);
        else {
          notMirrored.push({ path: at, reason: `debmirror option ${option} has no Ferry equivalent: ignored (the mirror holds what the other filters select)` });
          continue;
        }
        filterPaths.push(at);
      }
    }
    for (const re of [...includes, ...excludes, ...sections]) {
      try {
        new RegExp(re);
      } catch (e) {
        notMirrored.push({ path: [...origin, 'filter'], reason: `regex ${JSON.stringify(re)} is not one JavaScript reads (${(e as Error).message}): the whole mirror is left out` });
      }
    }
    const f = debmirrorFilter(includes, excludes, sections);
    if (f.problem) {
      notMirrored.push({ path: [...origin, 'filter'], reason: f.problem });
      continue;
    }
    if (notMirrored.some((n) => n.reason.includes('the whole mirror is left out') && dotted(n.path).startsWith(dotted(origin)))) continue;
    if (f.filter) {
      spec.filter = f.filter;
      spec.with_deps = false;
    }
    const noCheck = flags.includes('--no-check-gpg');
    const keyring = flags.find((f) => f.startsWith('--keyring'));
    mirrors.push({
      name: ferryName(mcpName),
      spec,
      origin,
      ...(m.enabled === false ? {} : { held: { path: noCheck ? [...origin, 'extra_flags', flags.indexOf('--no-check-gpg')] : origin, reason: unverifiedReason(ferryName(mcpName), noCheck, keyring) } }),
      field: (rest) => {
        const k = String(rest[0] ?? '');
        if (k === 'filter' && filterPaths.length) return filterPaths[0];
        return FIELDS[k] ? [...origin, FIELDS[k], ...(typeof rest[1] === 'number' ? [rest[1]] : [])] : origin;
      },
    });
  }
  return { mirrors, notMirrored };
}


/** Why a debmirror mirror is held, and what resolves it. */
function unverifiedReason(name: string, noCheck: boolean, keyring: string | undefined): string {
  const how = noCheck ? 'debmirror ran with --no-check-gpg' : `debmirror checked signatures with the host's keyring (${keyring ?? '~/.gnupg/trustedkeys.gpg'})`;
  return (
    `UNVERIFIABLE: mirror ${name}: ${how} and the model gives no key; Ferry signs what it publishes, so nothing would check these packages: ` +
    `not mirrored until parameters.ferry.mirrors.${name} replaces it (override: true; \`ferry desired\` prints the spec to start from) ` +
    `with keys or key_urls (MCP's keystorage classes hold mirror.mirantis.com's keys: _param:linux_system_repo_mcp_<repo>_key)`
  );
}
