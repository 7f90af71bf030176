/**
 * The `oci` mirror spec as the model gives it (schema: `definitions.oci`), checked for what the
 * schema cannot say: tag entries parse (select-tags.ts), local tags name something mirrored,
 * push targets are registry references, and no two images of the site are served under one name.
 */
import { FerryError, FerryErrors } from '../../core/ferry-error.js';
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
  spec.images.forEach((image, i) => {
    const at = (...rest: Array<string | number>) => ['images', i, ...rest];
    const bad = (message: string, field: Array<string | number>, extra: Record<string, unknown> = {}) => new FerryError('FERRY_INVALID_MODEL', `${id}: image ${image.name}${message}`, { resource: id, image: image.name, field, ...extra });
    if (seen.has(image.name)) errors.push(bad(' is listed twice; merge its tags into one entry (several push targets: a list in target)', at('name')));
    seen.add(image.name);
    if (image.name === 'snapshots' || image.name.startsWith('snapshots/') || image.name === '_catalog') {
      errors.push(bad(' is a reserved name (/v2/snapshots/<id>/ serves retained snapshots)', at('name')));
    }
    const patterns: TagPattern[] = [];
    image.tags.forEach((t, j) => {
      try {
        patterns.push(parseTagPattern(String(t), image.name));
      } catch (e) {
        const err = e as FerryError;
        errors.push(new FerryError(err.code, `${id}: ${err.message}`, { ...err.data, resource: id, field: at('tags', j) }));
      }
    });
    for (const [local, ref] of Object.entries(image.local_tags ?? {})) {
      if (!LOCAL_TAG.test(local)) errors.push(bad(`: local tag ${JSON.stringify(local)} is not a valid tag`, at('local_tags', local), { actual: local }));
      if (typeof ref !== 'string' || ref === '') errors.push(bad(`: local tag ${local} names no tag or digest`, at('local_tags', local)));
    }
    const targets: PushTarget[] = [];
    const own = image.target !== undefined;
    const where = own ? image.target : spec.target;
    const list = where === undefined ? [] : Array.isArray(where) ? where : [where];
    list.forEach((t, k) => {
      try {
        const target = pushTarget(t, image.name);
        if (!targets.some((x) => x.base === target.base && x.repository === target.repository)) targets.push(target);
      } catch (e) {
        const base = own ? at('target') : ['target'];
        errors.push(bad(`: ${(e as Error).message}`, Array.isArray(where) ? [...base, k] : base, { actual: t }));
      }
    });
    plans.push({ image, patterns, platforms: image.platforms ?? spec.platforms ?? [], targets });
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new FerryErrors(errors);
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
