/**
 * What every webhook parser takes and returns. Parsers are pure: the HTTP handler reads the
 * body (with a size limit) and hands over bytes and headers (lower-case names).
 */
export interface HookRequest {
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** The token in the path (`/hooks/gerrit/<token>`), for providers that sign nothing. */
  pathToken?: string;
}

export interface HookTarget {
  /** The tracked branch (short name, `main`). */
  branch: string;
  /** Optional project / repository name filter (Gerrit project, GitHub full_name...). */
  project?: string;
}

export type HookVerdict =
  | { status: 401; reason: string }
  | { status: 400; reason: string }
  /** Authentic and about the tracked branch: run. `hint` is the payload's newRev, a hint only. */
  | { status: 202; accepted: true; event: string; ref: string; hint?: string }
  /** Authentic but not for us (another branch, refs/changes/*, a ping). */
  | { status: 202; accepted: false; event: string; reason: string };

/** True for `refs/heads/<branch>`; a bare `<branch>` counts too (older Gerrit ref-updated). */
function isTrackedRef(ref: string | undefined, branch: string): boolean {
  if (!ref) return false;
  if (ref === `refs/heads/${branch}`) return true;
  return !ref.startsWith('refs/') && ref === branch;
}

export function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** The verdict for an authentic push to `ref`. */
export function pushVerdict(event: string, ref: string | undefined, hint: string | undefined, target: HookTarget): HookVerdict {
  if (!ref) return { status: 400, reason: 'the payload names no ref' };
  if (!isTrackedRef(ref, target.branch)) return { status: 202, accepted: false, event, reason: `ref ${ref} is not the tracked branch` };
  return { status: 202, accepted: true, event, ref, hint: hint && /^[0-9a-f]{40,64}$/.test(hint) ? hint : undefined };
}
