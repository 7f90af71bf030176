/**
 * An nginx `server { ... }` block that serves a Ferry state folder the way `ferry serve` does
 * (docs/ARCHITECTURE.md: "tree/ can be served by any static web server"): the published snapshot's tree at
 * `/` through the `current` symlink, read afresh on each request so a publish takes effect at
 * once, and each retained snapshot at `/snapshots/<id>/`. Same content types as ferry serve
 * (content-types.ts), folder listings, no symlink followed inside a tree (the store writes only
 * hard links), immutable caching for retained snapshots. Pure: returns text, writes nothing.
 *
 * Drop the block into `http { }` (e.g. /etc/nginx/sites-enabled/ferry). nginx's worker user
 * must be able to read the state folder. Differences from ferry serve: a symlink inside a tree
 * is refused (403) rather than followed when it stays inside, and the published tree (`/`) is
 * sent whole to every conditional request. nginx's validators are the file's mtime and size
 * (its ETag is `mtime-size`), and a rollback publishes files older than those it replaces, or,
 * within one second, other files with the same mtime and size: nginx cannot tell which snapshot
 * a client's copy came from, so for the published tree it neither sends an ETag nor answers
 * If-Modified-Since (`etag off; if_modified_since off;`), and never tells a client that another
 * snapshot's file is current (issue 10). apt then fetches InRelease (a few KiB) on every update;
 * Packages and .debs are still chosen by the digests in it. Retained snapshots never change
 * under their URL and keep nginx's validators (`if_modified_since exact`).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../core/ferry-error.js';
import { DEFAULT_CONTENT_TYPE, contentTypeTable, type ContentTypeTable } from './content-types.js';
import { DEFAULT_INDEX, HTML_PATTERN, variantPatterns, type IndexVariant } from './index-negotiation.js';
import type { KindNginxContext, KindNginxLines } from '../drivers/kind.js';
import { registeredKinds, servingDeclarations } from '../drivers/registry.js';

export interface NginxConfigOptions {
  /** Absolute real path of the state folder (no symlink in it: nginx checks links below it). */
  stateDir: string;
  /** `listen` argument: `8080`, `127.0.0.1:8080`, `[::]:80`. Default `8080`. */
  listen?: string | number;
  /** Default `_` (any host). */
  serverName?: string;
  /**
   * What the kinds declare for the serving hook (src/store/served.ts): top-level folders where
   * files answer with the content type their manifest records (`v2` for a registry), and the
   * names of the extra headers files may carry (`Docker-Content-Digest`). Default: what the
   * registered kinds declare (src/drivers/registry.ts).
   */
  serving?: { prefixes: readonly string[]; headers: readonly string[]; cgi?: readonly NginxCgi[]; nginx?: ReadonlyArray<(ctx: KindNginxContext) => KindNginxLines>; indexes?: readonly IndexVariant[] };
  /** fcgiwrap's socket, for the kinds' CGI programs (git smart HTTP). Default Debian's `unix:/run/fcgiwrap.socket`. */
  fcgiwrap?: string;
  /**
   * The installation's folder of scripts nginx runs (NJS_SCRIPTS, needs nginx's JavaScript
   * module), handed to the kinds' nginx lines (Kind.serving.nginx: the oci registry's catalog,
   * paginated tag lists and error bodies). Without it those answers are the files alone.
   */
  njsScripts?: string;
  /** Content types by name (default: the common ones and every registered kind's). */
  types?: ContentTypeTable;
}

/** share/nginx/ of this installation (the same from src/ and dist/): the njs scripts the kinds' nginx lines name. */
export const NJS_SCRIPTS = fileURLToPath(new URL('../../share/nginx', import.meta.url));

/** A kind's CGI program as nginx runs it (Kind.serving.cgi, structurally). */
export interface NginxCgi {
  name: string;
  nginx: { location: string; script: string };
  env(treeRoot: string): Record<string, string>;
}

/**
 * Locations handing a kind's CGI requests to fcgiwrap, for retained snapshots and the published
 * one (`current/tree`, resolved by the program at each request). The request's own variables
 * are set here (no system fastcgi_params file needed); HTTP_* headers (Git-Protocol,
 * Content-Encoding) pass as nginx passes every request header.
 */
function cgiLocations(state: string, cgi: readonly NginxCgi[], socket: string): string[] {
  const value = (v: string, what: string) => checked(v, what, /^[A-Za-z0-9._+@%,:=~/*$ -]*$/);
  return cgi.flatMap((c) => {
    const location = c.nginx.location;
    if (/["{};\s]/.test(location.replace(/\\./g, ''))) throw new FerryError('FERRY_USAGE', `a CGI location cannot be written into an nginx configuration: ${JSON.stringify(location)}`, { actual: location });
    const block = (match: string, treeRoot: string) => [
      `    location ~ "${match}" {`,
      `        fastcgi_pass ${socket};`,
      `        fastcgi_param SCRIPT_FILENAME "${value(c.nginx.script, 'a CGI script')}";`,
      '        fastcgi_param PATH_INFO /$ferry_cgi_path;',
      '        fastcgi_param GATEWAY_INTERFACE CGI/1.1;',
      '        fastcgi_param SERVER_PROTOCOL $server_protocol;',
      '        fastcgi_param REQUEST_METHOD $request_method;',
      '        fastcgi_param QUERY_STRING $query_string;',
      '        fastcgi_param CONTENT_TYPE $content_type;',
      '        fastcgi_param CONTENT_LENGTH $content_length;',
      '        fastcgi_param REMOTE_ADDR $remote_addr;',
      ...Object.entries({ ...c.env(treeRoot), PATH: '/usr/local/bin:/usr/bin:/bin' }).map(([k, v]) => `        fastcgi_param ${checked(k, 'a CGI variable', /^[A-Z0-9_]+$/)} "${value(v, `CGI variable ${k}`)}";`),
      '        fastcgi_buffering off;',
      '        fastcgi_read_timeout 1h;',
      '        client_max_body_size 0;',
      '        add_header Cache-Control "no-cache" always;',
      '    }',
    ];
    return [
      `    # ${c.name}, through fcgiwrap`,
      ...block(`^/snapshots/(?<ferry_cgi_snapshot>${SNAPSHOT_ID})/(?<ferry_cgi_path>${location})$`, `${state}/snapshots/$ferry_cgi_snapshot/tree`),
      ...block(`^/(?<ferry_cgi_path>${location})$`, `${state}/current/tree`),
    ];
  });
}

const SNAPSHOT_ID = '[A-Za-z0-9][A-Za-z0-9._-]*';

/**
 * The folder index by Accept (index-negotiation.ts, the same rule ferry serve applies): a map
 * from $http_accept to the first file `index` tries, regexes in the rule's order.
 */
function indexMap(variable: string, variants: readonly IndexVariant[]): string[] {
  if (variants.length === 0) return [];
  const file = (f: string) => checked(f, 'an index file', /^[A-Za-z0-9._+-]+$/);
  const re = (source: string) => checked(source, 'an index pattern', /^[^"\n]*$/);
  return [
    `map $http_accept ${variable} {`,
    `    default "${DEFAULT_INDEX}";`,
    ...variants.map((v) => `    "~*${re(variantPatterns(v).full)}" "${file(v.file)}";`),
    `    "~*${re(HTML_PATTERN)}" "${DEFAULT_INDEX}";`,
    ...variants.map((v) => `    "~*${re(variantPatterns(v).listed)}" "${file(v.file)}";`),
    '}',
    '',
  ];
}
const CACHE_RETAINED = 'public, max-age=31536000, immutable';

/** A path or word safe to place in a double-quoted nginx string: no quote, `$`, `\`, `;`, braces or control characters. */
function checked(value: string, what: string, pattern: RegExp): string {
  if (!pattern.test(value)) {
    throw new FerryError('FERRY_USAGE', `${what} cannot be written into an nginx configuration: ${JSON.stringify(value)}`, {
      actual: value,
    });
  }
  return value;
}

/** nginx regex alternatives for the extensionless index names of content-types.ts. */
function plainTextNamesRegex(types: ContentTypeTable): string {
  return types.plainTextNames.map((re) => re.source.replace(/^\^/, '').replace(/\$$/, '')).join('|');
}

function typesBlock(indent: string, types: ContentTypeTable): string[] {
  const byType = new Map<string, string[]>();
  for (const [ext, type] of Object.entries(types.byExtension)) {
    const bare = type.replace(/;.*$/, '');
    byType.set(bare, [...(byType.get(bare) ?? []), ext]);
  }
  return [...byType].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, exts]) => `${indent}${type} ${exts.sort().join(' ')};`);
}

/** Variable names of one state's maps: suffixed by a digest of the state path, so two states may share an nginx. */
function servingVars(state: string): { current: string; key: string; type: string; sent: string; index: string; header: (name: string) => string } {
  const tag = createHash('sha256').update(state).digest('hex').slice(0, 8);
  const v = (what: string) => `$ferry_${tag}_${what}`;
  return { current: v('current'), key: v('key'), type: v('type'), sent: v('sent_type'), index: v('index'), header: (name) => v(`h_${name.toLowerCase().replace(/[^a-z0-9]/g, '_')}`) };
}

/**
 * The http-level maps of the serving hook: which snapshot `current` is (from $realpath_root), and
 * per `<snapshot>:<uri>` key the content type and headers that snapshot's `nginx/*.map` files
 * record (written by the store at build: a rollback needs no new configuration; a newly built
 * snapshot's entries are read at the next `nginx -s reload`).
 */
function servingMaps(state: string, serving: NonNullable<NginxConfigOptions['serving']>, types: ContentTypeTable): string[] {
  const v = servingVars(state);
  const maps = `${state}/snapshots/*/nginx`;
  const byName = Object.entries(types.byExtension).map(([ext, type]) => `    "~*\\.${ext}$" "${type}";`);
  return [
    // Keys are `<snapshot>:/<path>` (served.ts limits them to 1000 bytes).
    'map_hash_bucket_size 1024;',
    // Room for the long variable names of the header maps (`$ferry_<state>_h_docker_content_digest`).
    'variables_hash_bucket_size 128;',
    'map_hash_max_size 1048576;',
    `map $realpath_root ${v.current} { "~/snapshots/(?<ferry_id>${SNAPSHOT_ID})/tree$" $ferry_id; default ""; }`,
    `map ${v.key} ${v.type} {`,
    `    include "${maps}/type.map";`,
    '    "~/$" "";',
    `    "~/(?:${plainTextNamesRegex(types)})$" "text/plain; charset=utf-8";`,
    ...byName,
    `    default "${DEFAULT_CONTENT_TYPE}";`,
    '}',
    `map $status ${v.sent} { 200 ${v.type}; 206 ${v.type}; default ""; }`,
    ...serving.headers.map((h) => `map ${v.key} ${v.header(h)} { include "${maps}/header-${h.toLowerCase()}.map"; default ""; }`),
    '',
  ];
}

export function renderNginxServerBlock(options: NginxConfigOptions): string {
  const state = checked(options.stateDir.replace(/\/+$/, ''), 'stateDir', /^\/[A-Za-z0-9._+@%,:=~/-]*$/);
  const listen = checked(String(options.listen ?? 8080), 'listen', /^[A-Za-z0-9.:[\]_-]+$/);
  const serverName = checked(options.serverName ?? '_', 'serverName', /^[A-Za-z0-9.*_-]+$/);
  const types = options.types ?? contentTypeTable(registeredKinds());
  const plain = plainTextNamesRegex(types);
  const snapshotsDir = `${state}/snapshots`;
  const alias = `alias "${snapshotsDir}/$ferry_snapshot/tree/$ferry_path";`;
  const serving = options.serving ?? servingDeclarations();
  for (const p of serving.prefixes) checked(p, 'a served prefix', /^[A-Za-z0-9._-]+$/);
  for (const h of serving.headers) checked(h, 'a served header', /^[A-Za-z0-9-]+$/);
  const hook = serving.prefixes.length > 0 || serving.headers.length > 0;
  const v = servingVars(state);
  // Per-file headers (only on answers with the file: add_header without `always`).
  const fileHeaders = (key: string) =>
    hook ? [`        set ${v.key} "${key}";`, ...serving.headers.map((h) => `        add_header ${h} ${v.header(h)};`)] : [];
  const retained = [`        ${alias}`, `        disable_symlinks on from=${snapshotsDir};`, '        if_modified_since exact;', `        add_header Cache-Control "${CACHE_RETAINED}" always;`, ...fileHeaders('$ferry_snapshot:/$ferry_path')];
  const published = ['        disable_symlinks on from=$document_root;', '        etag off;', '        if_modified_since off;', '        add_header Cache-Control "no-cache" always;', ...fileHeaders(`${v.current}:$uri`)];
  // Under the kinds' prefixes the type comes from the maps: nginx's own is switched off.
  const typed = ['        types { }', '        default_type "";', `        add_header Content-Type ${v.sent};`];
  const prefixes = serving.prefixes.join('|');
  const typedLocations = serving.prefixes.length === 0 ? [] : [
    `    location ~ "^/snapshots/(?<ferry_snapshot>${SNAPSHOT_ID})/(?<ferry_path>(?:${prefixes})/.*)$" {`,
    ...retained,
    ...typed,
    '    }',
  ];
  const njsScripts = options.njsScripts === undefined ? undefined : checked(options.njsScripts.replace(/\/+$/, ''), 'the njs scripts folder', /^\/[A-Za-z0-9._+@%,:=~/-]*$/);
  const kindLines = (serving.nginx ?? []).map((lines) => lines({ state, njsScripts }));
  const typedCurrent = serving.prefixes.flatMap((p) => [`    location ^~ /${p}/ {`, ...published, ...typed, ...kindLines.flatMap((k) => k.prefixes?.[p] ?? []), '    }']);
  const cgi = cgiLocations(state, serving.cgi ?? [], checked(options.fcgiwrap ?? 'unix:/run/fcgiwrap.socket', 'the fcgiwrap socket', /^(unix:\/[A-Za-z0-9._+@%,=~/-]+|[A-Za-z0-9.:[\]_-]+)$/));
  return [
    `# Generated by ferry: serves ${state}`,
    '#   /                  the published snapshot (current/tree)',
    '#   /snapshots/<id>/   every retained snapshot',
    ...(hook ? servingMaps(state, serving, types) : []),
    ...indexMap(v.index, serving.indexes ?? []),
    'server {',
    `    listen ${listen};`,
    `    server_name ${serverName};`,
    `    root "${state}/current/tree";`,
    '    server_tokens off;',
    '    sendfile on;',
    '    tcp_nopush on;',
    '    autoindex on;',
    ...((serving.indexes ?? []).length > 0 ? [`    index ${v.index} ${DEFAULT_INDEX};`] : []),
    '    charset utf-8;',
    // text/html is always in charset_types: naming it again is nginx's `duplicate MIME type` warning.
    '    charset_types text/plain text/css text/javascript text/markdown;',
    `    default_type ${DEFAULT_CONTENT_TYPE};`,
    '    types {',
    ...typesBlock('        ', types),
    '    }',
    '',
    ...cgi,
    '    location = /snapshots { return 301 /snapshots/; }',
    '    location = /snapshots/ {',
    `        alias "${snapshotsDir}/";`,
    '        add_header Cache-Control "no-cache" always;',
    '    }',
    `    location ~ "^/snapshots/(${SNAPSHOT_ID})$" { return 301 /snapshots/$1/; }`,
    ...kindLines.flatMap((k) => k.server ?? []),
    ...typedLocations,
    `    location ~ "^/snapshots/(?<ferry_snapshot>${SNAPSHOT_ID})/(?<ferry_path>(?:.*/)?(?:${plain}))$" {`,
    ...retained,
    '        default_type text/plain;',
    '    }',
    `    location ~ "^/snapshots/(?<ferry_snapshot>${SNAPSHOT_ID})/(?<ferry_path>.*)$" {`,
    ...retained,
    '    }',
    ...typedCurrent,
    `    location ~ "/(?:${plain})$" {`,
    ...published,
    '        default_type text/plain;',
    '    }',
    '    location / {',
    ...published,
    '    }',
    '}',
    '',
  ].join('\n');
}
