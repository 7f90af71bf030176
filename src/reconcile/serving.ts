/**
 * The serving hook on the pipeline's side: what a driver says about where and how its files are
 * served (Resolution.serving, WantedFile.serve, GeneratedFile.serve) becomes manifest fields,
 * checked against what its kind declares. The store then checks the paths (src/store/served.ts).
 */
import { FerryError } from '../core/ferry-error.js';
import { resourceId, type Resource } from '../core/resource.js';
import type { Kind } from '../drivers/kind.js';
import type { ServedAs, Serving } from '../drivers/types.js';
import type { ManifestFile, ManifestResource } from '../store/types.js';

/** The manifest fields of a resource's serving, checked: routes lie under its kind's prefixes. */
export function servingFields(kind: Kind | undefined, resource: Resource, serving: Serving | undefined): Pick<ManifestResource, 'routes' | 'mirrors'> {
  if (!serving) return {};
  const prefixes = kind?.serving?.prefixes ?? [];
  for (const route of serving.routes ?? []) {
    if (!prefixes.includes(route.split('/')[0])) {
      throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: route ${route} lies under none of the folders kind ${resource.kind} declares (${prefixes.join(', ') || 'none'})`, { resource: resourceId(resource), actual: route, expected: prefixes.join(', ') });
    }
  }
  return {
    ...(serving.routes?.length ? { routes: [...serving.routes] } : {}),
    ...(serving.mirrors?.length ? { mirrors: [...serving.mirrors] } : {}),
  };
}

/** The manifest fields of a file's ServedAs, checked: header names are among its kind's. */
export function servedAsFields(kind: Kind | undefined, resource: Resource, path: string, serve: ServedAs | undefined): Pick<ManifestFile, 'contentType' | 'headers' | 'aliases'> {
  if (!serve) return {};
  const declared = (kind?.serving?.headers ?? []).map((h) => h.toLowerCase());
  for (const name of Object.keys(serve.headers ?? {})) {
    if (!declared.includes(name.toLowerCase())) {
      throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: ${path} carries header ${name}, which kind ${resource.kind} does not declare`, { resource: resourceId(resource), path, actual: name, expected: declared.join(', ') });
    }
  }
  return {
    ...(serve.contentType === undefined ? {} : { contentType: serve.contentType }),
    ...(serve.headers === undefined ? {} : { headers: { ...serve.headers } }),
    ...(serve.aliases?.length ? { aliases: [...serve.aliases] } : {}),
  };
}
