/**
 * What a git mirror remembers between runs (ManifestResource.upstream) and how a refresh uses
 * it: a repository whose published refs and HEAD are unchanged is republished from the blobs
 * of the previous snapshot, with no fetch and no packing.
 */
import type { BlobStore, ManifestFile, ManifestResource } from '../../store/types.js';
import type { RefSelection } from './select-refs.js';

export interface RepositoryState {
  /** Upstream URL, redacted. */
  url: string;
  head: string;
  /** Full ref name to oid, as published. */
  refs: Record<string, string>;
  /** The ref patterns of the spec that selected them. */
  patterns?: string[];
}

export interface GitUpstreamState {
  repositories: Record<string, RepositoryState>;
  [key: string]: unknown;
}

function isRecordOfStrings(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}

/** The state the previous snapshot recorded for `name`, if it is well formed. */
export function previousRepositoryState(previous: ManifestResource | undefined, name: string): RepositoryState | undefined {
  const repositories = previous?.upstream?.repositories as Record<string, Partial<RepositoryState> | undefined> | undefined;
  const state = repositories?.[name];
  if (!state || typeof state.head !== 'string' || !isRecordOfStrings(state.refs)) return undefined;
  const patterns = Array.isArray(state.patterns) && state.patterns.every((p) => typeof p === 'string') ? state.patterns : undefined;
  return { url: String(state.url ?? ''), head: state.head, refs: state.refs, patterns };
}

/**
 * The refs to publish again without asking upstream, when no refresh is asked: those the
 * previous snapshot published for the same URL and ref patterns (another repository of the
 * mirror changed, say). Undefined when anything about the repository changed.
 */
export function pinnedSelection(previous: ManifestResource | undefined, repo: { name: string; redactedUrl: string; refs: string[] }): RefSelection | undefined {
  const state = previousRepositoryState(previous, repo.name);
  if (!state?.patterns || state.url !== repo.redactedUrl) return undefined;
  if (state.patterns.length !== repo.refs.length || state.patterns.some((p, i) => p !== repo.refs[i])) return undefined;
  return { refs: state.refs, head: state.head, emptyGlobs: [] };
}

export function sameRefs(a: RepositoryState, b: RefSelection): boolean {
  const ka = Object.keys(a.refs).sort();
  const kb = Object.keys(b.refs).sort();
  return a.head === b.head && ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.refs[k] === b.refs[k]);
}

/**
 * The files published for the repository folder `dir` in the previous snapshot, if its refs are
 * unchanged and every blob is still in the store; undefined means "build it again".
 */
export async function reusableFiles(options: {
  previous: ManifestResource | undefined;
  name: string;
  dir: string;
  selection: RefSelection;
  blobs: BlobStore;
}): Promise<ManifestFile[] | undefined> {
  const state = previousRepositoryState(options.previous, options.name);
  if (!state || !sameRefs(state, options.selection)) return undefined;
  const files = (options.previous?.files ?? []).filter((f) => f.path.startsWith(`${options.dir}/`));
  const packs = files.filter((f) => /^objects\/pack\/pack-[0-9a-f]{40}\.(pack|idx)$/.test(f.path.slice(options.dir.length + 1)));
  if (packs.length !== 2 || !files.some((f) => f.path === `${options.dir}/info/refs`)) return undefined;
  for (const f of files) if (!(await options.blobs.has(f.sha256))) return undefined;
  return files;
}

/** The pack and index the previous snapshot published for `dir`, if both blobs are still stored. */
export async function previousPackFiles(options: { previous: ManifestResource | undefined; dir: string; blobs: BlobStore }): Promise<{ pack: ManifestFile; idx: ManifestFile } | undefined> {
  const files = options.previous?.files ?? [];
  const prefix = `${options.dir}/objects/pack/pack-`;
  const pack = files.find((f) => f.path.startsWith(prefix) && /^[0-9a-f]{40}\.pack$/.test(f.path.slice(prefix.length)));
  const idx = pack && files.find((f) => f.path === pack.path.replace(/\.pack$/, '.idx'));
  if (!pack || !idx || !(await options.blobs.has(pack.sha256)) || !(await options.blobs.has(idx.sha256))) return undefined;
  return { pack, idx };
}
