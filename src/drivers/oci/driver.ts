/**
 * The `oci` kind: container images from registries speaking the distribution API v2, served
 * again by Ferry's registry API (serve/registry) from every retained snapshot, and optionally
 * pushed to a site registry (push.ts). See catalog.ts for the snapshot layout and
 * resolve-image.ts for what is fetched and verified.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { sha256Hex } from '../../core/hash.js';
import type { ManifestResource } from '../../store/types.js';
import { RegistryPusher } from './push.js';
import { resourceId } from '../../core/resource.js';
import type { Driver, GeneratedFile, ServedAs, WantedFile } from '../types.js';
import { sortNames } from './registry-routes.js';
import { CATALOG_FILE, OCI_LAYOUT_BYTES, catalogBytes, layoutIndexBytes, parseCatalog, type OciCatalog } from './catalog.js';
import { resolveImage, type ImageResolution } from './resolve-image.js';
import { clashingRepositories, planImages, readSpec, type OciSpec } from './spec.js';

/**
 * How each manifest and blob is served besides its place in the OCI layout (the serving hook):
 * under every repository that holds it, at `v2/<repo>/manifests/<digest>` and `…/<tag>` for each
 * tag naming it (manifests, with their stored media type) or `v2/<repo>/blobs/<digest>` (blobs),
 * with Docker-Content-Digest. A static server (nginx) then answers the pull side as ferry serve does.
 */
function servedAs(catalog: OciCatalog): Map<string, ServedAs> {
  const out = new Map<string, ServedAs & { aliases: string[] }>();
  const add = (digest: string, contentType: string, alias: string) => {
    let s = out.get(digest);
    if (!s) out.set(digest, (s = { contentType, headers: { 'Docker-Content-Digest': digest }, aliases: [] }));
    s.aliases.push(alias);
  };
  for (const [repo, entry] of Object.entries(catalog.repositories)) {
    for (const [digest, m] of Object.entries(entry.manifests)) add(digest, m.mediaType, `v2/${repo}/manifests/${digest}`);
    for (const [tag, digest] of Object.entries(entry.tags)) add(digest, entry.manifests[digest].mediaType, `v2/${repo}/manifests/${tag}`);
    for (const digest of Object.keys(entry.blobs)) if (!entry.manifests[digest]) add(digest, 'application/octet-stream', `v2/${repo}/blobs/${digest}`);
    for (const digest of Object.keys(entry.manifests)) out.get(digest)?.aliases.push(`v2/${repo}/blobs/${digest}`);
  }
  for (const s of out.values()) s.aliases.sort();
  return out;
}

/** `v2/<repo>/tags/list` as a static file (the whole list: a static server ignores `n` and `last`). */
function tagLists(catalog: OciCatalog): GeneratedFile[] {
  return Object.entries(catalog.repositories).map(([name, entry]) => ({
    path: `tags/${name}/_list.json`,
    content: new TextEncoder().encode(JSON.stringify({ name, tags: sortNames(Object.keys(entry.tags)) })),
    serve: { contentType: 'application/json', aliases: [`v2/${name}/tags/list`] },
  }));
}

interface OciUpstream {
  /** Image name -> reference -> top manifest digest. */
  refs: Record<string, Record<string, string>>;
}

export const ociDriver: Driver<OciSpec, OciCatalog, OciUpstream> = {
  kind: 'oci',
  generatesFromIndexes: true,

  async resolve(resource, _spec, ctx) {
    const id = resourceId(resource);
    const clashes = clashingRepositories(resource, ctx.desired);
    if (clashes.length > 0) {
      throw new FerryError('FERRY_INVALID_MODEL', `${id}: ${clashes.map((c) => `image ${c.name} is also served by ${c.other}`).join('; ')} (registry names are one namespace per site)`, { resource: id });
    }
    const plans = planImages(resource);
    const spec = readSpec(resource);
    const previous = ctx.previous?.hash === resource.hash ? ctx.previous.upstream : undefined;
    const results: ImageResolution[] = [];
    const errors: FerryError[] = [];
    await Promise.all(
      plans.map(async (plan) => {
        try {
          results.push(await resolveImage(plan, { registry: spec.registry, ctx, previousRefs: ctx.previous?.upstream?.refs?.[plan.image.name] }));
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
    const served = servedAs(catalog);
    const wanted = [...files.values()].map((f) => ({ ...f, serve: served.get(`sha256:${f.sha256}`) }));
    const unchanged = previous !== undefined && results.every((r) => r.unchanged);
    return {
      files: wanted,
      serving: { routes: results.map((r) => `v2/${r.name}`) },
      upstream,
      warnings: results.flatMap((r) => r.warnings),
      scratch: catalog,
      ...(unchanged ? { unchanged } : {}),
    };
  },

  async generate(resource, spec, resolution, ctx) {
    const catalog = resolution.scratch ?? (await ociDriver.resolve(resource, spec, ctx)).scratch;
    if (!catalog) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: resolve gave generate nothing to work with`, { resource: resourceId(resource) });
    return {
      files: [
        ...tagLists(catalog),
        { path: CATALOG_FILE, content: catalogBytes(catalog) },
        { path: 'index.json', content: layoutIndexBytes(catalog) },
        { path: 'oci-layout', content: OCI_LAYOUT_BYTES },
      ],
    };
  },

  /**
   * Pushes the published images to their targets (push.ts). A record under
   * `<state>/cache/oci-push/` of the last complete push (catalog digest and targets) makes a
   * reconcile that changes nothing cost no request; anything else re-checks the target.
   */
  async afterPublish(resource, _spec, published: ManifestResource, ctx) {
    const plans = planImages(resource).filter((p) => p.targets.length > 0);
    if (plans.length === 0) return;
    const id = resourceId(resource);
    const file = published.files.find((f) => f.path === CATALOG_FILE);
    const catalog = file && parseCatalog(await readFile(ctx.blobs.pathOf(file.sha256), 'utf8'));
    if (!file || !catalog) throw new FerryError('FERRY_STORE_CORRUPT', `${id}: the published snapshot has no readable ${CATALOG_FILE}`, { resource: id });
    const key = sha256Hex(JSON.stringify([file.sha256, plans.map((p) => [p.image.name, p.targets])]));
    const recordDir = join(ctx.stateDir, 'cache', 'oci-push');
    const record = join(recordDir, `${resource.name}.json`);
    const done = await readFile(record, 'utf8').then((t) => (JSON.parse(t) as { key?: string }).key, () => undefined);
    if (done === key) return;
    const pusher = new RegistryPusher(ctx.fetcher, ctx.blobs, ctx.signal);
    for (const plan of plans) {
      const entry = catalog.repositories[plan.image.name];
      for (const target of entry ? plan.targets : []) await pusher.pushImage(plan.image.name, target, entry);
    }
    ctx.logger.info('pushed', { resource: id, ...pusher.counts });
    await mkdir(recordDir, { recursive: true });
    await writeFile(`${record}.tmp`, JSON.stringify({ key, counts: pusher.counts }));
    await rename(`${record}.tmp`, record);
  },
};
