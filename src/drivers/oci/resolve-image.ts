/**
 * Resolves one image of an oci mirror: its selected tags and digests, down through indexes
 * (narrowed to the platforms asked for) to manifests, configs and layers. Manifests are fetched
 * here (small, and needed to know the rest), verified, and put in the blob store at once;
 * manifests the store already holds (from an earlier snapshot) are read from it, not fetched,
 * so a refresh costs one HEAD per tag when nothing moved. Configs and layers become wanted files
 * for the sync step, which downloads and verifies them.
 */
import { readFile } from 'node:fs/promises';
import { FerryError, FerryErrors, toFerryErrors } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import type { DriverContext, WantedFile } from '../types.js';
import { blobPath, emptyEntry, type RepositoryEntry } from './catalog.js';
import { parseManifest, type Manifest } from './manifest.js';
import { layerHandling } from './media-types.js';
import { chooseChildren } from './platforms.js';
import { RegistryClient, upstreamLocation } from './registry-client.js';
import { needsTagList, selectTags } from './select-tags.js';
import type { ImagePlan } from './spec.js';

/** Indexes inside indexes are followed this deep at most. */
const MAX_DEPTH = 4;

export interface ImageResolution {
  name: string;
  entry: RepositoryEntry;
  files: WantedFile[];
  warnings: FerryError[];
  /** Reference (tag or digest) -> top manifest digest, as upstream answered. */
  refs: Record<string, string>;
  /** Whether every reference's digest came from a HEAD matching `previousRefs` (nothing moved). */
  unchanged: boolean;
}

export interface ResolveImageOptions {
  registry: string;
  ctx: DriverContext;
  /** refs of the published snapshot for this image, when a refresh may take the HEAD shortcut. */
  previousRefs?: Record<string, string>;
}

export async function resolveImage(plan: ImagePlan, o: ResolveImageOptions): Promise<ImageResolution> {
  const { image } = plan;
  const { base, repository } = upstreamLocation(o.registry, image.name);
  const client = new RegistryClient(o.ctx.fetcher, base, o.ctx.signal);
  const available = needsTagList(plan.patterns) ? await client.listTags(repository, image.name) : [];
  const selection = selectTags(plan.patterns, available, image.name);
  const entry = emptyEntry();
  const files = new Map<string, WantedFile>();
  const warnings: FerryError[] = [];
  const refs: Record<string, string> = {};
  let unchanged = o.previousRefs !== undefined;

  /** A manifest's bytes: from the store when it already holds that digest, else fetched. */
  const load = async (reference: string, tagForErrors: string): Promise<{ manifest: Manifest; digest: string; size: number }> => {
    let known: string | undefined = reference.startsWith('sha256:') ? reference : undefined;
    if (!known && o.previousRefs) {
      known = await client.headDigest(repository, reference, image.name);
      if (known === undefined || o.previousRefs[reference] !== known) unchanged = false;
    }
    // Held already (an earlier snapshot's): read from the store. Else GET by the reference
    // asked for (a tag by its name, whatever HEAD said: its answer is checked on its own).
    const stored = known !== undefined && (await o.ctx.blobs.has(known.slice(7)));
    const url = client.manifestUrl(repository, stored ? (known as string) : reference);
    let bytes: Buffer | undefined;
    let contentType: string | undefined;
    let digest = known;
    if (stored) bytes = await readFile(o.ctx.blobs.pathOf((known as string).slice(7)));
    if (!bytes) {
      const fetched = await client.getManifest(repository, reference, image.name);
      bytes = fetched.bytes;
      contentType = fetched.contentType;
      digest = fetched.digest;
      await o.ctx.blobs.putBytes(bytes);
    }
    const manifest = parseManifest(bytes, contentType, { image: image.name, tag: tagForErrors, url: redactUrl(url) });
    const d = digest as string;
    entry.manifests[d] = { mediaType: manifest.mediaType, size: bytes.length };
    files.set(d, { path: blobPath(d), url: client.manifestUrl(repository, d), sha256: d.slice(7), size: bytes.length, authScope: client.scope(repository) });
    return { manifest, digest: d, size: bytes.length };
  };

  const walk = async (manifest: Manifest, tag: string, depth: number): Promise<void> => {
    if (manifest.kind === 'index') {
      if (depth >= MAX_DEPTH) throw new FerryError('FERRY_BAD_INDEX', `image ${image.name}:${tag}: indexes nested deeper than ${MAX_DEPTH}`, { image: image.name, tag });
      const children = chooseChildren(manifest.manifests, plan.platforms, { image: image.name, tag, url: redactUrl(client.manifestUrl(repository, tag)) });
      await Promise.all(
        children.map(async (c) => {
          const child = await load(c.digest, tag);
          await walk(child.manifest, tag, depth + 1);
        }),
      );
      return;
    }
    for (const d of [manifest.config, ...manifest.layers]) {
      const handling = d === manifest.config ? 'fetch' : layerHandling(d.mediaType);
      if (handling === 'unknown') {
        throw new FerryError('FERRY_BAD_INDEX', `image ${image.name}:${tag}: layer ${d.digest} (${redactUrl(client.blobUrl(repository, d.digest))}) has unknown media type ${JSON.stringify(d.mediaType)}`, {
          image: image.name,
          tag,
          url: redactUrl(client.blobUrl(repository, d.digest)),
          actual: d.mediaType,
        });
      }
      if (handling === 'foreign') {
        warnings.push(
          new FerryError('FERRY_BAD_INDEX', `image ${image.name}:${tag}: foreign layer ${d.digest} (${d.mediaType}) is not mirrored; clients fetch it from ${(d.urls ?? []).join(', ') || 'its own URLs'}`, {
            image: image.name,
            tag,
            actual: d.digest,
          }),
        );
        continue;
      }
      entry.blobs[d.digest] = d.size;
      if (!files.has(d.digest)) files.set(d.digest, { path: blobPath(d.digest), url: client.blobUrl(repository, d.digest), sha256: d.sha256, size: d.size, authScope: client.scope(repository), about: `image ${image.name}:${tag}` });
    }
  };

  // Every reference is tried, and every failure reported (one 404 does not hide a 401).
  const failed: FerryError[] = [];
  await Promise.all(
    [...selection.tags, ...selection.digests].map(async (reference) => {
      try {
        const top = await load(reference, reference);
        refs[reference] = top.digest;
        if (!reference.startsWith('sha256:')) entry.tags[reference] = top.digest;
        await walk(top.manifest, reference, 0);
      } catch (e) {
        failed.push(...toFerryErrors(e));
      }
    }),
  );
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new FerryErrors(failed);

  for (const [local, ref] of Object.entries(image.local_tags ?? {})) {
    const digest = refs[ref] ?? (entry.manifests[ref] ? ref : undefined);
    if (!digest) {
      throw new FerryError('FERRY_INVALID_MODEL', `image ${image.name}: local tag ${local} names ${ref}, which this mirror does not hold (mirrored: ${Object.keys(refs).join(', ')})`, { image: image.name, expected: Object.keys(refs), actual: ref });
    }
    if (entry.tags[local] !== undefined && entry.tags[local] !== digest) {
      throw new FerryError('FERRY_INVALID_MODEL', `image ${image.name}: local tag ${local} is also an upstream tag with another digest`, { image: image.name, actual: local });
    }
    entry.tags[local] = digest;
  }
  return { name: image.name, entry, files: [...files.values()], warnings, refs, unchanged: unchanged && sameKeys(refs, o.previousRefs ?? {}) };
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
