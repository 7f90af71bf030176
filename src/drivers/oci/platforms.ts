/**
 * Narrowing a multi-platform index to the platforms a mirror asks for (`linux/amd64`,
 * `linux/arm64/v8`). The index itself is kept byte-exact (its digest is what clients pin); only
 * the chosen children are fetched. A platform the index lacks is an error naming the image and
 * the platform. Pure.
 */
import { FerryError } from '../../core/ferry-error.js';
import { platformName, type Descriptor } from './manifest.js';

/** Whether descriptor `d` is for `wanted` (`os/arch` matches any variant; `os/arch/variant` only that one). */
function platformMatches(d: Descriptor, wanted: string): boolean {
  if (!d.platform) return false;
  const [os, architecture, variant] = wanted.split('/');
  if (d.platform.os !== os || d.platform.architecture !== architecture) return false;
  return variant === undefined || d.platform.variant === variant;
}

/**
 * The children of an index to fetch: all of them when `platforms` is empty or absent, else
 * those matching one of `platforms`. Every wanted platform must match a child.
 */
export function chooseChildren(children: readonly Descriptor[], platforms: readonly string[] | undefined, where: { image: string; tag: string; url: string }): Descriptor[] {
  if (!platforms || platforms.length === 0) return [...children];
  const missing = platforms.filter((p) => !children.some((c) => platformMatches(c, p)));
  if (missing.length > 0) {
    const offered = children.map((c) => platformName(c.platform));
    throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `image ${where.image}:${where.tag} has no platform ${missing.join(', ')} (it offers ${offered.join(', ')})`, {
      ...where,
      expected: missing,
      actual: offered,
    });
  }
  return children.filter((c) => platforms.some((p) => platformMatches(c, p)));
}
