/**
 * Checks a schema cannot express, per kind: every enabled mirror's kind is registered (a model
 * never silently mirrors less than it says), its spec passes its kind's parseSpec (a filter
 * parses, paths stay inside their root), and each kind's checks across the site's mirrors pass
 * (bases name mirrors of the same kind). Every problem names the YAML file and line. Pure: the
 * kinds are passed in (src/drivers/registry.ts).
 */
import { FerryError, toFerryErrors } from '../core/ferry-error.js';
import type { SiteSettings } from '../core/resource.js';
import type { SourcePos } from '../model/types.js';

type Path = ReadonlyArray<string | number>;

/** A problem with one mirror's spec, at a path below the mirror (`['filter']`, `['packages', 2]`). */
export interface SpecIssue {
  path: Path;
  message: string;
}

/** What parseSpec and checkSite know of where they are. */
export interface SpecContext {
  /** `deb/debian`. */
  resource: string;
  site: SiteSettings;
}

/** One mirror of the site as a kind's checkSite sees it (schema-valid, defaults filled). */
export interface SiteMirror {
  name: string;
  kind: string;
  enabled: boolean;
  spec: Record<string, unknown>;
}

/** What these checks need of a kind (src/drivers/kind.ts). */
export interface KindRules {
  readonly kind: string;
  withDefaults?(spec: Record<string, unknown>): Record<string, unknown>;
  parseSpec(spec: Record<string, unknown>, ctx: SpecContext): unknown;
  checkSite?(mine: readonly SiteMirror[], all: readonly SiteMirror[], site: SiteSettings): Array<SpecIssue & { mirror: string }>;
}

interface Mirrors {
  site?: Record<string, unknown>;
  mirrors: Record<string, { kind: string; enabled?: boolean; [key: string]: unknown }>;
}

/** A mirror's spec as the desired state holds it: the mirror without `kind` and `enabled`, its kind's defaults filled. */
function specOf(mirror: { kind: string; enabled?: boolean; [key: string]: unknown }, kind: Pick<KindRules, 'withDefaults'> | undefined): Record<string, unknown> {
  const { kind: _kind, enabled: _enabled, ...rest } = mirror;
  return kind?.withDefaults ? kind.withDefaults(rest) : rest;
}

/** A FerryError's path below the mirror (`data.field`: an array, or a dotted string such as `packages[2]`), or []. */
function issuePath(e: FerryError): Array<string | number> {
  const field = e.data.field;
  if (Array.isArray(field)) return field.map((p) => (typeof p === 'number' ? p : String(p)));
  if (typeof field !== 'string' || field === '') return [];
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function checkSemantics(ferry: Mirrors, options: { locate?: (p: Path) => SourcePos | undefined; kinds: readonly KindRules[] }): FerryError[] {
  const errors: Array<{ order: number; error: FerryError }> = [];
  const order = new Map(Object.keys(ferry.mirrors ?? {}).map((name, i) => [name, i]));
  const at = (path: Path, message: string, extra: Record<string, unknown> = {}) => {
    // The deepest part of the path the model has a position for (a field parseSpec names may be implicit).
    let pos: SourcePos | undefined;
    for (let n = path.length; n > 0 && !pos; n--) pos = options.locate?.(path.slice(0, n));
    const error = new FerryError('FERRY_INVALID_MODEL', message, { path: ['parameters', 'ferry', ...path].join('.'), file: pos?.file, line: pos?.line, column: pos?.column, ...extra });
    errors.push({ order: order.get(String(path[1])) ?? 0, error });
  };
  const supported = options.kinds.map((k) => k.kind);
  const site = { retention: 10, ...(ferry.site ?? {}) } as SiteSettings;
  const mirrors: SiteMirror[] = [];
  for (const [name, mirror] of Object.entries(ferry.mirrors ?? {})) {
    const kind = options.kinds.find((k) => k.kind === mirror.kind);
    mirrors.push({ name, kind: mirror.kind, enabled: mirror.enabled !== false, spec: specOf(mirror, kind) });
  }
  for (const m of mirrors) {
    if (!m.enabled) continue;
    const kind = options.kinds.find((k) => k.kind === m.kind);
    const resource = `${m.kind}/${m.name}`;
    if (!kind) {
      at(['mirrors', m.name, 'kind'], `mirror ${m.name}: kind ${m.kind} has no driver in this version of Ferry (supported: ${supported.join(', ')}); disable it with enabled: false`, { resource });
      continue;
    }
    try {
      kind.parseSpec(m.spec, { resource, site });
    } catch (e) {
      for (const err of toFerryErrors(e)) at(['mirrors', m.name, ...issuePath(err)], err.message.startsWith(`${resource}: `) ? `mirror ${m.name}: ${err.message.slice(resource.length + 2)}` : `mirror ${m.name}: ${err.message}`, { resource, expected: err.data.expected, actual: err.data.actual });
    }
  }
  for (const kind of options.kinds) {
    if (!kind.checkSite) continue;
    const mine = mirrors.filter((m) => m.enabled && m.kind === kind.kind);
    if (mine.length === 0) continue;
    for (const issue of kind.checkSite(mine, mirrors, site)) at(['mirrors', issue.mirror, ...issue.path], `mirror ${issue.mirror}: ${issue.message}`, { resource: `${kind.kind}/${issue.mirror}` });
  }
  // Mirror by mirror, in the model's order (stable: each mirror's errors as found).
  return errors.sort((a, b) => a.order - b.order).map((e) => e.error);
}

/**
 * The usual cross-mirror check of kinds whose mirrors build on others (`bases`: deb, rpm): each
 * base names an enabled mirror of the same kind, not the mirror itself.
 */
export function checkBases(mine: readonly SiteMirror[], all: readonly SiteMirror[]): Array<SpecIssue & { mirror: string }> {
  const issues: Array<SpecIssue & { mirror: string }> = [];
  for (const m of mine) {
    const bases = Array.isArray(m.spec.bases) ? (m.spec.bases as unknown[]).map(String) : [];
    bases.forEach((base, i) => {
      const target = all.find((t) => t.name === base);
      const issue = (message: string) => issues.push({ mirror: m.name, path: ['bases', i], message });
      if (!target) issue(`base ${base} is not a mirror of this site`);
      else if (target.kind !== m.kind) issue(`base ${base} is a ${target.kind} mirror, not ${m.kind}`);
      else if (!target.enabled) issue(`base ${base} is disabled`);
      else if (base === m.name) issue('a mirror cannot be its own base');
    });
  }
  return issues;
}
