/**
 * The `oci` kind: container images from registries speaking the distribution API v2, served
 * again by Ferry's registry API (serve/registry) from every retained snapshot, and optionally
 * pushed to a site registry (push.ts). See catalog.ts for the snapshot layout and
 * resolve-image.ts for what is fetched and verified.
 */
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { resourceId, type Resource } from '../../core/resource.js';
import type { Driver, DriverContext, GeneratedFile, Resolution, WantedFile } from '../types.js';
import { CATALOG_FILE, OCI_LAYOUT_BYTES, catalogBytes, layoutIndexBytes, type OciCatalog } from './catalog.js';
import { resolveImage, type ImageResolution } from './resolve-image.js';
import { clashingRepositories, planImages, readSpec } from './spec.js';

interface OciUpstream {
  /** Image name -> reference -> top manifest digest. */
  refs: Record<string, Record<string, string>>;
}

export const ociDriver: Driver = {
  kind: 'oci',
  generatesFromIndexes: true,

  async resolve(resource: Resource, ctx: DriverContext): Promise<Resolution> {
    const id = resourceId(resource);
    const clashes = clashingRepositories(resource, ctx.desired);
    if (clashes.length > 0) {
      throw new FerryError('FERRY_INVALID_MODEL', `${id}: ${clashes.map((c) => `image ${c.name} is also served by ${c.other}`).join('; ')} (registry names are one namespace per site)`, { resource: id });
    }
    const plans = planImages(resource);
    const spec = readSpec(resource);
    const previous = ctx.previous?.hash === resource.hash ? (ctx.previous.upstream as OciUpstream | undefined) : undefined;
    const results: ImageResolution[] = [];
    const errors: FerryError[] = [];
    await Promise.all(
      plans.map(async (plan) => {
        try {
          results.push(await resolveImage(plan, { registry: spec.registry, ctx, previousRefs: ctx.previous ? (ctx.previous.upstream as OciUpstream | undefined)?.refs?.[plan.image.name] : undefined }));
        } catch (e) {
          errors.push(...toFerryErrors(e));
        }
      }),
    );
    if (errors.length > 0) throw new FerryErrors(errors);
    results.sort((a, b) => (a.name < b.name ? -1 : 1));
    const files = new Map<string, WantedFile>();
    const catalog: OciCatalog = { version: 1, repositories: {} };
    const upstream: OciUpstream = { refs: {} };
    for (const r of results) {
      for (const f of r.files) if (!files.has(f.path)) files.set(f.path, f);
      catalog.repositories[r.name] = r.entry;
      upstream.refs[r.name] = r.refs;
    }
    const unchanged = previous !== undefined && results.every((r) => r.unchanged);
    return { files: [...files.values()], upstream: upstream as unknown as Record<string, unknown>, warnings: results.flatMap((r) => r.warnings), scratch: catalog, ...(unchanged ? { unchanged } : {}) };
  },

  async generate(_resource: Resource, resolution: Resolution): Promise<GeneratedFile[]> {
    const catalog = resolution.scratch as OciCatalog;
    return [
      { path: CATALOG_FILE, content: catalogBytes(catalog) },
      { path: 'index.json', content: layoutIndexBytes(catalog) },
      { path: 'oci-layout', content: OCI_LAYOUT_BYTES },
    ];
  },
};
