/**
 * The `oci` mirror spec as the model gives it (schema: `definitions.oci`), checked for what the
 * schema cannot say: tag entries parse (select-tags.ts), local tags name something mirrored,
 * push targets are registry references, and no two images of the site are served under one name.
 */
import { FerryError } from '../../core/ferry-error.js';
import { resourceId, type DesiredState, type Resource } from '../../core/resource.js';
import { parseTagPattern, type TagPattern } from './select-tags.js';

export interface OciImageSpec {
  /** Repository path upstream, and the name it is served under. */
  name: string;
  tags: string[];
  /** Push destination(s) of this image: `[http(s)://]host[:port][/namespace]` (pushTarget). */
  target?: string | string[];
  /** Tags to add on the served and pushed image: local tag -> a mirrored tag or digest. */
  local_tags?: Record<string, string>;
  /** Overrides the mirror's `platforms` for this image. */
  platforms?: string[];
}

export interface OciSpec {
  registry: string;
  images: OciImageSpec[];
  platforms?: string[];
  /** Default push destination(s) of every image. */
  target?: string | string[];
}

export interface ImagePlan {
  image: OciImageSpec;
  patterns: TagPattern[];
  platforms: string[];
  /** Where the image is pushed (none: mirrored and served only). */
  targets: PushTarget[];
}

export interface PushTarget {
  /** `http://host:port` or `https://host`. */
  base: string;
  /** Repository the image is pushed to: `<namespace>/<name>`. */
  repository: string;
}

const LOCAL_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function readSpec(resource: Resource): OciSpec {
  return resource.spec as unknown as OciSpec;
}

/** Parses every image's tags and target; all problems at once. */
export function planImages(resource: Resource): ImagePlan[] {
  const spec = readSpec(resource);
  const id = resourceId(resource);
  const errors: FerryError[] = [];
  const seen = new Set<string>();
  const plans: ImagePlan[] = [];
  for (const image of spec.images) {
    if (seen.has(image.name)) errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: image ${image.name} is listed twice; merge its tags into one entry (several push targets: a list in target)`, { resource: id, image: image.name }));
    seen.add(image.name);
    if (image.name === 'snapshots' || image.name.startsWith('snapshots/') || image.name === '_catalog') {
      errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: image name ${image.name} is reserved (/v2/snapshots/<id>/ serves retained snapshots)`, { resource: id, image: image.name }));
    }
    const patterns: TagPattern[] = [];
    for (const t of image.tags) {
      try {
        patterns.push(parseTagPattern(String(t), image.name));
      } catch (e) {
        errors.push(e as FerryError);
      }
    }
    for (const [local, ref] of Object.entries(image.local_tags ?? {})) {
      if (!LOCAL_TAG.test(local)) errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: image ${image.name}: local tag ${JSON.stringify(local)} is not a valid tag`, { resource: id, image: image.name, actual: local }));
      if (typeof ref !== 'string' || ref === '') errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: image ${image.name}: local tag ${local} names no tag or digest`, { resource: id, image: image.name }));
    }
    const targets: PushTarget[] = [];
    const where = image.target ?? spec.target;
    for (const t of where === undefined ? [] : Array.isArray(where) ? where : [where]) {
      try {
        const target = pushTarget(t, image.name);
        if (!targets.some((x) => x.base === target.base && x.repository === target.repository)) targets.push(target);
      } catch (e) {
        errors.push(new FerryError('FERRY_INVALID_MODEL', `${id}: image ${image.name}: ${(e as Error).message}`, { resource: id, image: image.name, actual: t }));
      }
    }
    plans.push({ image, patterns, platforms: image.platforms ?? spec.platforms ?? [], targets });
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FerryError('FERRY_INVALID_MODEL', errors.map((e) => e.message).join('; '), { resource: id });
  return plans;
}

/**
 * `registry.site:5000/apex` -> https://registry.site:5000, `apex/<name>`. Without a scheme a
 * target is https, but a loopback one (`localhost`, `127.0.0.0/8`, `[::1]`) is http: docker
 * treats exactly these as insecure registries by default (its `insecure-registries` starts with
 * 127.0.0.0/8) and skopeo's TLS default is the same, so a site registry on the mirror host
 * itself needs no scheme. `http://…` and `https://…` are kept as written.
 */
export function pushTarget(text: string, name: string): PushTarget {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `${isLoopback(text) ? 'http' : 'https'}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`target ${JSON.stringify(text)} is not a registry reference ([http(s)://]host[:port][/namespace])`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new Error(`target ${JSON.stringify(text)} is not a registry reference ([http(s)://]host[:port][/namespace])`);
  }
  const namespace = url.pathname.replace(/^\/+|\/+$/g, '');
  return { base: url.origin, repository: namespace ? `${namespace}/${name}` : name };
}

/** Whether `host[:port][/path]` names this machine's loopback (localhost, 127.0.0.0/8, ::1). */
export function isLoopback(text: string): boolean {
  const host = /^(\[[^\]]*\]|[^:/]*)/.exec(text)?.[1].toLowerCase() ?? '';
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Served repository names must be unique on the site (one /v2/ namespace): the names this
 * resource serves that an earlier oci resource of `desired` already serves.
 */
export function clashingRepositories(resource: Resource, desired: DesiredState): Array<{ name: string; other: string }> {
  const mine = new Set(readSpec(resource).images.map((i) => i.name));
  const out: Array<{ name: string; other: string }> = [];
  for (const other of desired.resources) {
    if (other.kind !== 'oci' || other.name === resource.name) continue;
    for (const i of readSpec(other).images) if (mine.has(i.name)) out.push({ name: i.name, other: resourceId(other) });
  }
  return out;
}
