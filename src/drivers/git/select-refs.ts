/**
 * Which of the refs a server advertises a mirror publishes, and what its HEAD names.
 * Patterns follow git's refspec globs: one `*` matching any run of characters, `/` included.
 * A short name (`master`, `v1.0`, `release/*`) means the branch of that name, else the tag.
 */
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';

export interface AdvertisedRef {
  ref: string;
  oid: string;
  /** For a symbolic ref (HEAD): the ref it points to. */
  target?: string;
}

export interface RefSelection {
  /** Full ref name to oid (the tag object for an annotated tag), sorted by name. */
  refs: Record<string, string>;
  /** The ref the published HEAD points to. */
  head: string;
  /** Glob patterns that matched nothing (a warning, not an error). */
  emptyGlobs: string[];
}

function globMatch(pattern: string, ref: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === ref;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return ref.length > prefix.length + suffix.length && ref.startsWith(prefix) && ref.endsWith(suffix);
}

function matching(pattern: string, names: string[]): string[] {
  if (pattern.startsWith('refs/')) return names.filter((n) => globMatch(pattern, n));
  const heads = names.filter((n) => globMatch(`refs/heads/${pattern}`, n));
  const tags = names.filter((n) => globMatch(`refs/tags/${pattern}`, n));
  if (!pattern.includes('*')) return heads.length ? heads : tags;
  return [...heads, ...tags];
}

/** The HEAD of the mirror: upstream's if published, else master, main, or the first branch. */
export function chooseHead(upstreamHead: string | undefined, refs: string[]): string {
  const selected = new Set(refs);
  if (upstreamHead && selected.has(upstreamHead)) return upstreamHead;
  for (const name of ['refs/heads/master', 'refs/heads/main']) if (selected.has(name)) return name;
  const branch = refs.filter((r) => r.startsWith('refs/heads/')).sort()[0];
  // Tags only: HEAD names a branch that is not there; clients clone without a checkout.
  return branch ?? upstreamHead ?? 'refs/heads/master';
}

/**
 * Which branch upstream's HEAD names when only its commit is known (a fetch brings the commit,
 * not the name): the branch at that commit, preferring `preferred` (the last known), then
 * master, main, then the first by name, as git's dumb-HTTP clients guess it. Undefined when no
 * branch is at that commit, or HEAD is not advertised. A target already known is kept.
 */
export function guessHeadTarget(advertised: readonly AdvertisedRef[], preferred?: string): string | undefined {
  const head = advertised.find((a) => a.ref === 'HEAD');
  if (!head || head.target) return head?.target;
  const branches = advertised.filter((a) => a.ref.startsWith('refs/heads/') && a.oid === head.oid).map((a) => a.ref).sort();
  for (const candidate of [preferred, 'refs/heads/master', 'refs/heads/main']) if (candidate && branches.includes(candidate)) return candidate;
  return branches[0];
}

/**
 * Applies the patterns to the advertised refs. A pattern without `*` that matches nothing is
 * an error (FERRY_INVALID_MODEL): the model asks for something upstream does not have.
 */
export function selectRefs(advertised: AdvertisedRef[], patterns: string[], context: { repository: string; url: string }): RefSelection {
  const oids = new Map<string, string>();
  let upstreamHead: string | undefined;
  for (const a of advertised) {
    if (a.ref === 'HEAD') upstreamHead = a.target;
    else if ((a.ref.startsWith('refs/heads/') || a.ref.startsWith('refs/tags/')) && !a.ref.endsWith('^{}')) oids.set(a.ref, a.oid);
  }
  const names = [...oids.keys()].sort();
  const chosen = new Set<string>();
  const emptyGlobs: string[] = [];
  for (const pattern of patterns) {
    const found = matching(pattern, names);
    if (found.length === 0) {
      if (pattern.includes('*')) {
        emptyGlobs.push(pattern);
        continue;
      }
      throw new FerryError('FERRY_INVALID_MODEL', `git repository ${context.repository}: ${redactUrl(context.url)} has no branch or tag ${pattern}`, {
        repository: context.repository,
        url: redactUrl(context.url),
        expected: pattern,
      });
    }
    for (const f of found) chosen.add(f);
  }
  if (chosen.size === 0) {
    throw new FerryError('FERRY_INVALID_MODEL', `git repository ${context.repository}: no ref of ${redactUrl(context.url)} matches ${patterns.join(', ')}`, {
      repository: context.repository,
      url: redactUrl(context.url),
      expected: patterns,
    });
  }
  const sorted = [...chosen].sort();
  const refs: Record<string, string> = {};
  for (const r of sorted) refs[r] = oids.get(r) as string;
  return { refs, head: chooseHead(upstreamHead, sorted), emptyGlobs };
}
