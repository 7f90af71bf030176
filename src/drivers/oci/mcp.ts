/**
 * The oci kind's part of an MCP model (Kind.mcp): the Docker images an MCP node lists, as Ferry oci mirrors (one per source registry host, named
 * `docker-<host>`; the `oci` kind's schema is shared with the oci driver):
 *   docker:client:images   salt-formula-docker: image references to pull (`host/path/name:tag`)
 *   _param:default_local_mirrror_content:docker_client_registry_image   items
 *     {registry: host[/prefix], name: image[:tag], target_registry, enabled} (the offline
 *     registry's content): target_registry is where the image is pushed, as
 *     <target_registry>/<image>; in the oci spec that is `target` (host[/namespace], pushed as
 *     <namespace>/<name>), so the namespace is target_registry's path without the source prefix.
 * An item with `enabled: false` is skipped; one without a reference (no image, no name) is listed
 * as not mirrored. An image listed twice is one oci image: its tags and its targets together (one
 * image pushed to two registries).
 */
import { ferryName, isRecord, itemsOf, localMirrorPart, text, type McpHook, type McpPath, type NotMirrored, type Translated } from '../../core/mcp.js';

interface Image {
  name: string;
  tags: string[];
  targets: string[];
  from: McpPath;
}

export interface ImageRef {
  host: string;
  /** Repository path on the host (`mirantis/cicd/jenkins`, `library/registry`). */
  name: string;
  tag: string;
}

/** Splits `host[:port]/path/name[:tag]` as docker does (no host part: Docker Hub, `library/`). */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.replace(/^https?:\/\//, '');
  let tag = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    tag = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const parts = rest.split('/');
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, name: parts.slice(1).join('/'), tag };
  }
  return { host: 'docker.io', name: parts.length === 1 ? `library/${rest}` : rest, tag };
}

export class ImageGroups {
  private readonly byHost = new Map<string, Image[]>();
  readonly notMirrored: NotMirrored[] = [];

  /**
   * One image per repository: an image listed again (another tag, another target_registry: MCP
   * models push one image to two registries) adds its tag and its target to the first entry.
   */
  add(ref: ImageRef, from: McpPath, target?: string): void {
    let images = this.byHost.get(ref.host);
    if (!images) this.byHost.set(ref.host, (images = []));
    const same = images.find((i) => i.name === ref.name);
    if (same) {
      if (!same.tags.includes(ref.tag)) same.tags.push(ref.tag);
      if (target && !same.targets.includes(target)) same.targets.push(target);
      return;
    }
    images.push({ name: ref.name, tags: [ref.tag], targets: target ? [target] : [], from });
  }

  mirrors(): Translated[] {
    return [...this.byHost.entries()].map(([host, images]) => ({
      name: ferryName(`docker-${host}`),
      spec: {
        kind: 'oci',
        registry: `https://${host === 'docker.io' ? 'registry-1.docker.io' : host}`,
        images: images.map(({ name, tags, targets }) => ({ name, tags, ...(targets.length === 1 ? { target: targets[0] } : targets.length > 1 ? { target: targets } : {}) })),
      },
      origin: images[0].from,
      field: (rest) => {
        const img = typeof rest[1] === 'number' ? images[rest[1]] : undefined;
        if (rest[0] !== 'images' || !img) return images[0].from;
        return rest[2] === 'target' ? [...img.from, 'target_registry'] : img.from;
      },
    }));
  }
}

/** The oci `target` for an image pushed to `<targetRegistry>/<basename>`, or undefined when it cannot be said. */
export function pushTarget(targetRegistry: string, prefix: string): string | undefined {
  const t = targetRegistry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const slash = t.indexOf('/');
  const host = slash < 0 ? t : t.slice(0, slash);
  const path = slash < 0 ? '' : t.slice(slash + 1);
  if (prefix === '') return t;
  if (path === prefix) return host;
  if (path.endsWith(`/${prefix}`)) return `${host}/${path.slice(0, -prefix.length - 1)}`;
  return undefined;
}

export function dockerClientImages(parameters: Record<string, unknown>, groups: ImageGroups): void {
  const client = isRecord(parameters.docker) ? parameters.docker.client : undefined;
  if (!isRecord(client) || client.enabled === false) return;
  for (const [k, img] of itemsOf(client.images)) {
    const at: McpPath = ['docker', 'client', 'images', k];
    if (isRecord(img)) {
      if (img.enabled === false) continue;
      if (typeof img.image === 'string' || typeof img.name === 'string') groups.add(parseImageRef(text(img.image ?? img.name)), at);
      else groups.notMirrored.push({ path: at, reason: 'an image entry with neither image nor name: no reference to pull' });
    } else if (typeof img === 'string' && img !== '') groups.add(parseImageRef(img), at);
    else groups.notMirrored.push({ path: at, reason: `${JSON.stringify(img)} is not an image reference` });
  }
}

export function registryImages(items: unknown, base: McpPath, groups: ImageGroups): void {
  for (const [k, img] of itemsOf(items)) {
    const at = [...base, k];
    if (isRecord(img) && img.enabled === false) continue;
    if (!isRecord(img) || typeof img.name !== 'string' || img.name === '') {
      groups.notMirrored.push({ path: at, reason: 'an image item without name (salt-formula-docker pulls <registry>/<name>): no reference to pull' });
      continue;
    }
    const registry = typeof img.registry === 'string' && img.registry !== '' ? img.registry.replace(/^https?:\/\//, '').replace(/\/+$/, '') : '';
    const ref = parseImageRef(registry ? `${registry}/${img.name}` : img.name);
    const prefix = registry.includes('/') ? registry.slice(registry.indexOf('/') + 1) : '';
    let target: string | undefined;
    if (typeof img.target_registry === 'string' && img.target_registry !== '') {
      target = pushTarget(img.target_registry, prefix);
      if (target === undefined) {
        groups.notMirrored.push({
          path: [...at, 'target_registry'],
          reason: `push to ${img.target_registry}/${img.name}: the oci kind pushes <namespace>/<name> (name ${ref.name}), which cannot end at that path; the image is mirrored, not pushed`,
        });
      }
    }
    groups.add(ref, at, target);
  }
}

export const ociMcp: McpHook = {
  translate(parameters) {
    const images = new ImageGroups();
    dockerClientImages(parameters, images);
    const part = localMirrorPart(parameters, 'docker_client_registry_image', 'image');
    if (part) registryImages(part.value, part.path, images);
    return { mirrors: images.mirrors(), notMirrored: images.notMirrored };
  },
  // The target registry's own parameter says where the list above is pushed (target_registry of each item).
  reads: ['docker_client_registry_image', 'docker_client_registry_target_registry'],
};
