/**
 * Builds a Ferry state folder by hand, laid out as the store lays it out (blobs in
 * objects/sha256, snapshots/<id>/tree of hard links plus manifest.json, `current` symlink), so
 * the serve tests need nothing from the store. Also plants a secret next to the state folder
 * that no request may ever read.
 */
import { createHash } from 'node:crypto';
import { link, lutimes, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeFile {
  /** Path under the tree, e.g. `file/images/cirros.qcow2`. */
  path: string;
  body: Buffer;
  /** Left out of manifest.json (to exercise the inode ETag). */
  unlisted?: boolean;
  /** The blob's mtime (default: when written). */
  mtimeMs?: number;
}

export interface FakeState {
  base: string;
  stateDir: string;
  secret: string;
  sha256(body: Buffer): string;
  addSnapshot(id: string, files: FakeFile[]): Promise<void>;
  /**
   * Points `current` at a snapshot with one rename(2), as the store does; `atMs` dates the
   * publish (the symlink's mtime) as if it had happened then (default: now).
   */
  publish(id: string, options?: { atMs?: number }): Promise<void>;
  cleanup(): Promise<void>;
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

export async function makeFakeState(): Promise<FakeState> {
  const base = await mkdtemp(join(tmpdir(), 'ferry-serve-'));
  const stateDir = join(base, 'state');
  const secret = `SECRET-${Math.random().toString(16).slice(2)}`;
  await mkdir(join(stateDir, 'snapshots'), { recursive: true });
  await writeFile(join(base, 'secret.txt'), secret);
  await writeFile(join(stateDir, 'secret.txt'), secret);
  let n = 0;
  return {
    base,
    stateDir,
    secret,
    sha256,
    async addSnapshot(id, files) {
      const snap = join(stateDir, 'snapshots', id);
      const byRoot = new Map<string, { path: string; sha256: string; size: number }[]>();
      for (const f of files) {
        const digest = sha256(f.body);
        const blob = join(stateDir, 'objects', 'sha256', digest.slice(0, 2), digest.slice(2));
        await mkdir(dirname(blob), { recursive: true });
        await writeFile(blob, f.body, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
        if (f.mtimeMs !== undefined) await utimes(blob, f.mtimeMs / 1000, f.mtimeMs / 1000);
        const target = join(snap, 'tree', f.path);
        await mkdir(dirname(target), { recursive: true });
        await link(blob, target);
        if (f.unlisted) continue;
        const [kind, name, ...rest] = f.path.split('/');
        const root = `${kind}/${name}`;
        const list = byRoot.get(root) ?? [];
        list.push({ path: rest.join('/'), sha256: digest, size: f.body.length });
        byRoot.set(root, list);
      }
      const resources = [...byRoot].map(([root, list]) => {
        const [kind, name] = root.split('/');
        return { kind, name, hash: sha256(Buffer.from(root)), root, files: list };
      });
      const manifest = { id, createdAt: new Date().toISOString(), desiredHash: sha256(Buffer.from(id)), site: { name: 'test', retention: 5 }, resources };
      await writeFile(join(snap, 'manifest.json'), JSON.stringify(manifest, null, 2));
    },
    async publish(id, options = {}) {
      const tmp = join(stateDir, `.current-${process.pid}-${n++}`);
      await symlink(join('snapshots', id), tmp);
      if (options.atMs !== undefined) await lutimes(tmp, options.atMs / 1000, options.atMs / 1000);
      await rename(tmp, join(stateDir, 'current'));
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
