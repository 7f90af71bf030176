/**
 * What an MCP (Mirantis Cloud Platform / DriveTrain) translation is made of, shared by the kinds'
 * MCP hooks (Kind.mcp, src/drivers/<kind>/mcp*) and the reader that runs them
 * (src/desired/mcp-vocabulary.ts, src/desired/with-mcp-mirrors.ts): a translated mirror with the
 * way back to the MCP YAML, what is not mirrored, and the small readers of MCP's loose YAML
 * (lists as strings, items as lists or dicts). Pure; names no kind.
 */
import type { FerryError } from './ferry-error.js';

/** A path below `parameters` (`['aptly', 'server', 'mirror', 'ubuntu']`). */
export type McpPath = Array<string | number>;

/** One Ferry mirror translated from MCP's vocabulary, with the way back to the MCP YAML. */
export interface Translated {
  name: string;
  spec: Record<string, unknown>;
  /** Where the mirror was declared, below `parameters`. */
  origin: McpPath;
  /** Maps a path inside `spec` (e.g. ['url'], ['images', 0, 'tags']) to the MCP path it came from. */
  field(rest: ReadonlyArray<string | number>): McpPath;
  /**
   * Set when the mirror cannot be verified as MCP wrote it (aptly key IDs too short to trust,
   * debmirror's `--no-check-gpg`): why, and what to give. Such a mirror is not mirrored (listed
   * as unverifiable, loudly) until `parameters.ferry` replaces it (`override: true`), and never
   * mirrored unverified: Ferry signs what it publishes.
   */
  held?: { path: McpPath; reason: string };
}

/** Something the model says to mirror that Ferry does not mirror (yet): listed, never silent. */
export interface NotMirrored {
  /** Below `parameters`. */
  path: McpPath;
  reason: string;
  /** The entry is a mirror Ferry could fetch but cannot verify (Translated.held): warned about, not just listed. */
  unverifiable?: true;
}

/** What one translator read: its mirrors, what it lists as not mirrored, and errors in what it read. */
export interface McpPart {
  mirrors: Translated[];
  notMirrored: NotMirrored[];
  errors?: FerryError[];
}

/**
 * What a kind's `finish` step is given once `parameters.ferry` has replaced, disabled or held
 * translations (src/desired/with-mcp-mirrors.ts).
 */
export interface McpFinal {
  /** The site's mirrors as they now stand (name -> spec, kind included): translations and parameters.ferry's own. */
  mirrors: Readonly<Record<string, unknown>>;
  /** This kind's translations that stand as translated (neither replaced by parameters.ferry nor held). */
  mine: readonly Translated[];
  /** Names of translated mirrors held as unverifiable that parameters.ferry does not replace. */
  held: ReadonlySet<string>;
}

/** What a kind's `finish` step changes: its own mirrors (a spec, or null to drop it) and what it lists. */
export interface McpFinished {
  mirrors: Record<string, Record<string, unknown> | null>;
  notMirrored: NotMirrored[];
}

/**
 * A kind's part of an MCP model (Kind.mcp): pure functions of the rendered parameters.
 *   translate  its mirrors (each with its MCP origin), what it does not mirror (with the
 *              reason) and the errors of what it read;
 *   finish     optional, after overrides: a mirror built from other translations (an aptly
 *              publication of deb mirrors) drops the members that no longer stand;
 *   reads      parts of `_param:default_local_mirrror_content` (MCP's list of what the offline
 *              mirror node holds) this kind translates; a part no kind reads is listed as not mirrored.
 */
export interface McpHook {
  readonly translate: (parameters: Record<string, unknown>) => McpPart;
  readonly finish?: (final: McpFinal) => McpFinished;
  readonly reads?: readonly string[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A Ferry mirror name from any MCP name: lower case, [a-z0-9._-], at most 63 characters. */
export function ferryName(raw: string): string {
  const n = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return n || 'mirror';
}

/** MCP writes lists as lists or as one space- or comma-separated string. */
export function words(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String).filter((s) => s.length > 0);
  return text(v)
    .split(/[\s,]+/)
    .filter((s) => s.length > 0);
}

/** A scalar as text (objects as JSON, so that the schema reports them instead of "[object Object]"). */
export function text(v: unknown): string {
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A list or a dict of items (MCP writes both), with each item's key. */
export function itemsOf(v: unknown): Array<[string | number, unknown]> {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (isRecord(v)) return Object.entries(v);
  return [];
}

/** `parameters.a.b.c` for messages. */
export function dotted(path: McpPath): string {
  return ['parameters', ...path].join('.');
}

/** `_param:default_local_mirrror_content` (sic, three r's): what DriveTrain's offline mirror node holds. */
export const LOCAL_MIRROR_CONTENT: McpPath = ['_param', 'default_local_mirrror_content'];

/** `{enabled: false, ...}`. */
export function disabled(v: unknown): boolean {
  return isRecord(v) && v.enabled === false;
}

/**
 * One part of `_param:default_local_mirrror_content` (`git_server_repos`), unwrapped the way
 * its formula reads it (`{repos: [...]}` or the list itself: `wrapper` is `repos`), with its
 * path below `parameters`; undefined when the content or the part is absent or disabled.
 */
export function localMirrorPart(parameters: Record<string, unknown>, part: string, wrapper: string): { value: unknown; path: McpPath } | undefined {
  const param = parameters._param;
  const content = isRecord(param) ? param.default_local_mirrror_content : undefined;
  if (!isRecord(content) || content.enabled === false) return undefined;
  const raw = content[part];
  if (raw === undefined || disabled(raw)) return undefined;
  if (isRecord(raw) && wrapper in raw) return { value: raw[wrapper], path: [...LOCAL_MIRROR_CONTENT, part, wrapper] };
  return { value: raw, path: [...LOCAL_MIRROR_CONTENT, part] };
}
