/**
 * The registry API's dynamic answers in the nginx configuration (issue 13): `/v2/_catalog` and
 * `/v2/<name>/tags/list` with `n`/`last` pagination, and OCI error bodies (NAME_UNKNOWN,
 * MANIFEST_UNKNOWN, BLOB_UNKNOWN) for the 404s under /v2/, answered by the njs handlers of
 * share/nginx/ferry-registry.js (nginx's JavaScript module; Debian: libnginx-mod-http-js, loaded
 * by its modules-enabled entry). Manifests and blobs stay static files. Pure: returns lines.
 */
import { fileURLToPath } from 'node:url';

/** share/nginx/ferry-registry.js of this installation (the same from src/ and dist/). */
export const REGISTRY_SCRIPT = fileURLToPath(new URL('../../share/nginx/ferry-registry.js', import.meta.url));

export interface RegistryNginx {
  /** Lines of the server block, before the other locations. */
  server: string[];
  /** Lines inside `location ^~ /v2/ { }`. */
  v2: string[];
}

/** `state` and `script` are checked by the caller (nginx-config.ts `checked`). */
export function registryNginx(state: string, script: string): RegistryNginx {
  // Each njs location adds a header of its own, so it inherits none of /v2/'s (its Content-Type map).
  const handler = (indent: string, name: string) => [`${indent}set $ferry_state "${state}";`, `${indent}add_header Cache-Control "no-cache" always;`, `${indent}js_content ferry_registry.${name};`];
  return {
    server: [
      `    js_import ferry_registry from "${script}";`,
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
      '    location @ferry_registry_error {',
      ...handler('        ', 'error'),
      '    }',
    ],
    v2: [
      '        add_header Docker-Distribution-API-Version registry/2.0 always;',
      '        error_page 404 = @ferry_registry_error;',
      '        location ~ "^/v2/.+/tags/list$" {',
      ...handler('            ', 'tags'),
      '        }',
    ],
  };
}
