/**
 * The registry API's dynamic answers in the nginx configuration (issue 13), the oci kind's nginx
 * lines (Kind.serving.nginx): `/v2/_catalog` and `/v2/<name>/tags/list` with `n`/`last`
 * pagination, and OCI error bodies (NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN) for the 404s
 * under /v2/, answered by the njs handlers of share/nginx/ferry-registry.js (nginx's JavaScript
 * module; Debian: libnginx-mod-http-js, loaded by its modules-enabled entry), and the same API
 * over each retained snapshot under /v2/snapshots/<id>/. Manifests and blobs stay static files. Without njs, nothing (the files alone: whole tag lists, nginx's 404s). Pure.
 */
import type { KindNginxContext, KindNginxLines } from '../kind.js';

/** The script's file name in the installation's njs folder (share/nginx/). */
const REGISTRY_SCRIPT_NAME = 'ferry-registry.js';

/** `ctx.state` and `ctx.njsScripts` are checked by the caller (serve/nginx-config.ts). */
export function registryNginx(ctx: KindNginxContext): KindNginxLines {
  if (ctx.njsScripts === undefined) return {};
  // Each njs location adds a header of its own, so it inherits none of /v2/'s (its Content-Type map).
  const handler = (indent: string, name: string) => [`${indent}set $ferry_state "${ctx.state}";`, `${indent}add_header Cache-Control "no-cache" always;`, `${indent}js_content ferry_registry.${name};`];
  return {
    server: [
      `    js_import ferry_registry from "${ctx.njsScripts}/${REGISTRY_SCRIPT_NAME}";`,
      '    # The registry API (ferry serve answers the same): its base, the catalog, and OCI error bodies.',
      '    location = /v2/ {',
      '        default_type application/json;',
      '        add_header Docker-Distribution-API-Version registry/2.0 always;',
      '        add_header Cache-Control "no-cache" always;',
      "        return 200 '{}';",
      '    }',
      '    location = /v2/_catalog {',
      ...handler('        ', 'catalog'),
      '    }',
      '    # Retained snapshots: /v2/snapshots/<id>/ (the id lowercased), files through /snapshots/<Id>/v2/.',
      '    location ^~ /v2/snapshots/ {',
      `        set $ferry_state "${ctx.state}";`,
      '        js_content ferry_registry.snapshot;',
      '    }',
      '    location @ferry_registry_error {',
      ...handler('        ', 'error'),
      '    }',
    ],
    prefixes: {
      v2: [
        '        add_header Docker-Distribution-API-Version registry/2.0 always;',
        '        error_page 404 = @ferry_registry_error;',
        '        location ~ "^/v2/.+/tags/list$" {',
        ...handler('            ', 'tags'),
        '        }',
        '        # Manifests by njs, from repositories.json: their media types hold from the moment a snapshot is published (no reload).',
        '        location ~ "^/v2/.+/manifests/[^/]+$" {',
        ...handler('            ', 'manifest'),
        '        }',
      ],
    },
  };
}
