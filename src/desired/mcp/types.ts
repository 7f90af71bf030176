import type { FerryError } from '../../core/ferry-error.js';

/** One Ferry mirror translated from MCP's vocabulary, with the way back to the MCP YAML. */
export type McpPath = Array<string | number>;

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

/** What one translator read. */
export interface McpPart {
  mirrors: Translated[];
  notMirrored: NotMirrored[];
  errors?: FerryError[];
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
