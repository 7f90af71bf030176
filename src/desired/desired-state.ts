/**
 * Rendered, validated `parameters.ferry` becomes the DesiredState: the enabled mirrors as a
 * list of Resources sorted by kind and name, each with the hash of its canonical spec, and one
 * hash for the whole. Equal models give equal hashes whatever order their YAML was written in:
 * this is what lets a reverted commit find its old snapshot.
 */
import { hashValue } from '../core/hash.js';
import type { DesiredState, Resource, SiteSettings } from '../core/resource.js';

export interface FerryParameters {
  site: { name: string; retention?: number; [key: string]: unknown };
  mirrors: Record<string, { kind: string; enabled?: boolean; [key: string]: unknown }>;
}

/** What the desired state needs of a kind (src/drivers/kind.ts): its defaults. */
export interface KindDefaults {
  readonly kind: string;
  withDefaults?(spec: Record<string, unknown>): Record<string, unknown>;
}

/** Settings that change what a snapshot holds (and so belong in the desired hash). */
const CONTENT_SITE_KEYS = ['name', 'base_url', 'signing', 'valid_until_days', 'keyring', 'keyservers'];

/** `kinds` fill each mirror's defaults (the registry's kinds, src/drivers/registry.ts). */
export function buildDesiredState(ferry: FerryParameters, kinds: readonly KindDefaults[]): DesiredState {
  const site: SiteSettings = { ...ferry.site, name: ferry.site.name, retention: ferry.site.retention ?? 10 };
  const resources: Resource[] = Object.entries(ferry.mirrors ?? {})
    .filter(([, m]) => m.enabled !== false)
    .map(([name, mirror]) => {
      const { kind, enabled: _enabled, ...rest } = mirror;
      const defaults = kinds.find((k) => k.kind === kind);
      const spec = defaults?.withDefaults ? defaults.withDefaults(rest) : rest;
      return { kind, name, spec, hash: resourceHash(kind, name, spec) };
    })
    .sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : cmp(a.kind, b.kind)));
  return { site, resources, hash: desiredHash(site, resources) };
}

/** The hash of a resource's content. */
export function resourceHash(kind: string, name: string, spec: Record<string, unknown>): string {
  // The refresh schedule says when to look upstream, not what to serve: not in the hash
  // (changing it re-plans the schedule, never a download or a new snapshot).
  const { refresh: _refresh, ...content } = spec;
  return hashValue({ kind, name, spec: content });
}

/** The hash of a desired state: the site settings that change content, and every resource's hash. */
export function desiredHash(site: SiteSettings, resources: readonly Resource[]): string {
  const contentSite = Object.fromEntries(CONTENT_SITE_KEYS.filter((k) => site[k] !== undefined).map((k) => [k, site[k]]));
  return hashValue({ site: contentSite, resources: resources.map((r) => r.hash) });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
