/**
 * What a git mirror remembers between runs (ManifestResource.upstream) and how a refresh uses
 * it: a repository whose published refs and HEAD are unchanged is published again from the
 * previous snapshot's files (its packs and text files), with no fetch and nothing generated.
 */
import type { BlobStore, ManifestFile } from '../../store/types.js';
import type { PreviousResource } from '../types.js';
import type { RefSelection } from './select-refs.js';

export interface Submodule {
  path: string;
  /** As .gitmodules gives it, redacted. */
  url: string;
}

export interface RepositoryState {
  /** Upstream URL, redacted. */
  url: string;
  head: string;
  /** Full ref name to oid, as published. */
  refs: Record<string, string>;
  /** The ref patterns of the spec that selected them. */
  patterns?: string[];
  /** Submodules the published branches name (reported, not followed). */
  submodules?: Submodule[];
}

export interface GitUpstreamState {
  repositories: Record<string, RepositoryState>;
}

/** The published entry of a git mirror: its upstream state is read as an earlier version may have written it. */
type GitPrevious = Omit<PreviousResource, 'upstream'> & { upstream?: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isRecordOfStrings(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}

/** The state the previous snapshot recorded for `name`, if it is well formed. */
export function previousRepositoryState(previous: GitPrevious | undefined, name: string): RepositoryState | undefined {
  const upstream = previous?.upstream;
  const repositories = isObject(upstream) && isObject(upstream.repositories) ? upstream.repositories : undefined;
  const state = repositories?.[name];
  if (!isObject(state) || typeof state.head !== 'string' || !isRecordOfStrings(state.refs)) return undefined;
  const patterns = Array.isArray(state.patterns) && state.patterns.every((p) => typeof p === 'string') ? (state.patterns) : undefined;
  const submodules = Array.isArray(state.submodules) ? (state.submodules as unknown[]).filter((s): s is Submodule => isObject(s) && typeof s.path === 'string' && typeof s.url === 'string') : undefined;
  return { url: typeof state.url === 'string' ? state.url : '', head: state.head, refs: state.refs, patterns, ...(submodules?.length ? { submodules } : {}) };
}

/**
 * The refs to publish again without asking upstream, when no refresh is asked: those the
 * previous snapshot published for the same URL and ref patterns (another repository of the
 * mirror changed, say). Undefined when anything about the repository changed.
 */
export function pinnedSelection(previous: GitPrevious | undefined, repo: { name: string; redactedUrl: string; refs: string[] }): RefSelection | undefined {
  const state = previousRepositoryState(previous, repo.name);
  if (!state?.patterns || state.url !== repo.redactedUrl) return undefined;
  if (state.patterns.length !== repo.refs.length || state.patterns.some((p, i) => p !== repo.refs[i])) return undefined;
  return { refs: state.refs, head: state.head, emptyGlobs: [] };
}

function sameRefs(a: RepositoryState, b: RefSelection): boolean {
  const ka = Object.keys(a.refs).sort();
  const kb = Object.keys(b.refs).sort();
  return a.head === b.head && ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.refs[k] === b.refs[k]);
}

const PACK_FILE = /^objects\/pack\/pack-[0-9a-f]{40}\.(pack|idx)$/;

/**
 * The files published for the repository folder `dir` in the previous snapshot, if its refs are
 * unchanged, it has this version's layout (packs linked from the cache, `refs/.keep`) and every
 * blob is still in the store; undefined means "build it again".
 */
export async function reusableFiles(options: {
  previous: GitPrevious | undefined;
  name: string;
  dir: string;
  selection: RefSelection;
  blobs: BlobStore;
}): Promise<ManifestFile[] | undefined> {
  const state = previousRepositoryState(options.previous, options.name);
  if (!state || !sameRefs(state, options.selection)) return undefined;
  const prefix = `${options.dir}/`;
  const files = (options.previous?.files ?? []).filter((f) => f.path.startsWith(prefix));
  const packs = files.filter((f) => PACK_FILE.test(f.path.slice(prefix.length)));
  if (packs.length === 0 || packs.some((f) => f.generated) || !files.some((f) => f.path === `${prefix}refs/.keep`)) return undefined;
  for (const f of files) if (!(await options.blobs.has(f.sha256))) return undefined;
  return files;
}
