/**
 * The desired state's vocabulary: a Resource is one mirror of one kind, with the spec the
 * model gave it (after validation) and a stable hash of that spec.
 */
export interface Resource<Spec = Record<string, unknown>> {
  /** A registered kind (src/drivers/registry.ts). */
  kind: string;
  name: string;
  spec: Spec;
  /** sha256 of the canonical JSON of {kind, name, spec}. */
  hash: string;
  /**
   * Where the model defines the mirror (its `mirrors.<name>` entry, or the MCP entry it was
   * translated from): runtime errors about it name this file:line (issue 10). Not in the hash.
   */
  source?: { file: string; line: number; column?: number };
  /**
   * Files of the model's folder the spec names by path (a pypi requirements file), with the
   * file:line of the field naming each (desired/model-files.ts): the reconcile reads and inlines
   * them. Not hashed (the inlined content is).
   */
  modelFiles?: Array<{ path: string; field: Array<string | number>; file?: string; line?: number; column?: number }>;
}

export interface SiteSettings {
  name: string;
  retention: number;
  [key: string]: unknown;
}

export interface DesiredState {
  site: SiteSettings;
  /** Sorted by kind, then name. */
  resources: Resource[];
  /** sha256 over the site settings that matter for content and every resource hash. */
  hash: string;
  /**
   * What the model says to mirror that Ferry does not (MCP vocabulary it cannot mirror yet),
   * each with its path below `parameters` and the reason: the plan lists them. `unverifiable`:
   * a mirror held because nothing could check its upstream signature (warned about loudly).
   */
  notMirrored?: NotMirroredEntry[];
}

export interface NotMirroredEntry {
  /** `parameters.a.b.c`. */
  path: string;
  reason: string;
  unverifiable?: true;
}

/** How a not-mirrored entry is printed: an unverifiable mirror stands out. */
export function describeNotMirrored(n: NotMirroredEntry): string {
  return `${n.unverifiable ? 'UNVERIFIABLE, not mirrored' : 'not mirrored'}: ${n.path}: ${n.reason.replace(/^UNVERIFIABLE: /, '')}`;
}

/** `deb/debian-bookworm`: how resources are named in messages, plans and manifests. */
export function resourceId(r: { kind: string; name: string }): string {
  return `${r.kind}/${r.name}`;
}
