/**
 * The model files of one Git commit, read tree by tree (no checkout), with symlinks followed
 * the way a checkout on a salt master would follow them. In Git a symlink is a blob of mode
 * 120000 whose bytes are the target path. A link to a folder of the repository is walked
 * under the link's own path (so `classes/system -> ../vendor/system` gives classes
 * `system.*`), a link to a file reads that file. A link that leaves the repository (an
 * absolute target, or `..` past the root) is an error: the commit alone must define the
 * model, and the controller must never read the host's files through it. A link back to a
 * folder that contains it is a loop, and an error.
 */
import { posix } from 'node:path';
import { FerryError } from '../core/ferry-error.js';

export interface TreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: string;
}

export interface CommitTreeReader {
  rootTree: string;
  /** Folder of the inventory inside the repository ('' or undefined: the root). */
  subdir?: string;
  isModelFile(name: string): boolean;
  readTree(oid: string): Promise<TreeEntry[]>;
  readBlob(oid: string): Promise<Uint8Array>;
}

const SYMLINK = '120000';
/** As Linux's limit of symlinks followed in one path resolution (ELOOP). */
const MAX_LINKS = 40;

type Found = { type: 'tree' | 'blob'; oid: string; path: string } | undefined;

const decoder = new TextDecoder();

/** Path lookups in one commit's trees (trees read once), links followed. */
function commitLookup(r: Pick<CommitTreeReader, 'rootTree' | 'readTree' | 'readBlob'>) {
  const trees = new Map<string, Promise<TreeEntry[]>>();
  const treeOf = (oid: string): Promise<TreeEntry[]> => {
    let hit = trees.get(oid);
    if (!hit) trees.set(oid, (hit = r.readTree(oid)));
    return hit;
  };
  const linkTarget = async (oid: string): Promise<string> => decoder.decode(await r.readBlob(oid));

  /** Looks a repository path up, following links on the way (`at` names the link for errors). */
  const lookup = async (path: string, at: string, hops = 0): Promise<Found> => {
    if (hops > MAX_LINKS) throw new FerryError('FERRY_INVALID_MODEL', `symlink loop: ${at} (more than ${MAX_LINKS} links to follow)`, { file: at });
    const parts = path === '' ? [] : path.split('/');
    let oid = r.rootTree;
    let type: 'tree' | 'blob' = 'tree';
    for (let i = 0; i < parts.length; i++) {
      if (type !== 'tree') return undefined;
      const entry = (await treeOf(oid)).find((e) => e.path === parts[i]);
      if (!entry) return undefined;
      const here = parts.slice(0, i + 1).join('/');
      if (entry.mode === SYMLINK) {
        const target = await linkTarget(entry.oid);
        const next = inRepo(posix.join(posix.dirname(here), target), at, target);
        return lookup([next, ...parts.slice(i + 1)].filter(Boolean).join('/'), at, hops + 1);
      }
      oid = entry.oid;
      type = entry.type === 'tree' ? 'tree' : 'blob';
    }
    return { type, oid, path };
  };
  return { treeOf, linkTarget, lookup };
}

/**
 * One file of the commit by its path relative to the inventory (`subdir`), links followed as the
 * model's are (one leaving the repository is an error): its bytes, or undefined when there is no
 * such file. Throws FerryError (FERRY_INVALID_MODEL) for a folder or a link out of the repository.
 */
export async function readCommitFile(r: Pick<CommitTreeReader, 'rootTree' | 'subdir' | 'readTree' | 'readBlob'>, path: string): Promise<Uint8Array | undefined> {
  const { lookup } = commitLookup(r);
  const sub = (r.subdir ?? '').replace(/^\/+|\/+$/g, '');
  const full = sub ? `${sub}/${path}` : path;
  const found = await lookup(full, path);
  if (!found) return undefined;
  if (found.type !== 'blob') throw new FerryError('FERRY_INVALID_MODEL', `${path} is a folder, not a file`, { file: path });
  return r.readBlob(found.oid);
}

/** `/`-separated model paths (relative to the subdir) -> texts, sorted. */
export async function readCommitTree(r: CommitTreeReader): Promise<Map<string, string>> {
  const { treeOf, linkTarget, lookup } = commitLookup(r);
  const files = new Map<string, string>();
  const blobs: Array<Promise<void>> = [];
  const addFile = (path: string, oid: string): void => {
    const read = r.readBlob(oid).then((b) => void files.set(path, decoder.decode(b)));
    // Awaited below; if the walk fails first, a later failure of this read must not go unhandled.
    read.catch(() => undefined);
    blobs.push(read);
  };

  /** Walks the tree `oid`, found at model path `rel` and repository path `real`. */
  const walk = async (oid: string, rel: string, real: string, chain: ReadonlySet<string>): Promise<void> => {
    await Promise.all(
      (await treeOf(oid)).map(async (entry) => {
        if (entry.path.startsWith('.')) return;
        const path = rel ? `${rel}/${entry.path}` : entry.path;
        const realPath = real ? `${real}/${entry.path}` : entry.path;
        if (entry.mode === SYMLINK) {
          const target = await linkTarget(entry.oid);
          const resolved = inRepo(posix.join(real, target), path, target);
          const found = await lookup(resolved, path);
          if (!found) {
            if (r.isModelFile(entry.path)) throw new FerryError('FERRY_INVALID_MODEL', `dangling symlink: ${path} -> ${target}`, { file: path, target });
            return;
          }
          if (found.type === 'blob') {
            if (r.isModelFile(entry.path)) addFile(path, found.oid);
            return;
          }
          if (chain.has(found.path)) throw new FerryError('FERRY_INVALID_MODEL', `symlink loop: ${path} -> ${target} leads back to a folder that contains it`, { file: path, target });
          await walk(found.oid, path, found.path, new Set(chain).add(found.path));
        } else if (entry.type === 'tree') await walk(entry.oid, path, realPath, new Set(chain).add(realPath));
        else if (entry.type === 'blob' && r.isModelFile(entry.path)) addFile(path, entry.oid);
      }),
    );
  };

  const sub = (r.subdir ?? '').replace(/^\/+|\/+$/g, '');
  const start = await lookup(sub, sub || '.');
  if (sub && (!start || start.type !== 'tree')) throw new FerryError('FERRY_USAGE', `the commit has no folder ${sub}`, { file: sub });
  if (start) await walk(start.oid, '', start.path, new Set([start.path]));
  await Promise.all(blobs);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A link target as a repository path, or the error for a link that leaves the repository. */
function inRepo(joined: string, link: string, target: string): string {
  const n = posix.normalize(joined);
  if (posix.isAbsolute(target) || n === '..' || n.startsWith('../')) {
    throw new FerryError('FERRY_INVALID_MODEL', `symlink ${link} -> ${target} points outside the repository: a model read from Git must be whole in the commit (vendor the folder, or use --model with a checkout)`, {
      file: link,
      target,
    });
  }
  return n === '.' ? '' : n;
}
