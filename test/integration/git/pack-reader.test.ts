/**
 * Ferry's pack reader against packs written by real git with deep delta chains (both offset
 * and ref deltas), checked object by object against `git cat-file`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactCache } from '../../../src/drivers/git/compact-cache.js';
import { PackReader, readPackIndex, type RawObject } from '../../../src/drivers/git/pack-reader.js';
import { gitObjectId } from '../../../src/drivers/git/pack-writer.js';
import { git } from './git-servers.js';

let tmp: string;
let repo: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-pack-reader-'));
  repo = join(tmp, 'repo');
  await mkdir(repo);
  await git(repo, ['init', '-q', '-b', 'master']);
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} of a file that changes a little in every commit\n`);
  for (let c = 0; c < 40; c++) {
    lines[(c * 37) % lines.length] = `changed in commit ${c}\n`;
    await writeFile(join(repo, 'a.txt'), lines.join(''));
    await writeFile(join(repo, 'b.txt'), lines.slice().reverse().join('') + `tail ${c}\n`);
    await git(repo, ['add', '-A']);
    await git(repo, ['commit', '-q', '-m', `commit ${c}`]);
  }
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function readAll(options: { refDelta: boolean }): Promise<{ objects: Map<string, RawObject>; deltas: number; kinds: Set<number> }> {
  const args = ['repack', '-adfq', '--depth=50', '--window=50'];
  if (options.refDelta) args.splice(1, 0, '--no-write-bitmap-index');
  await git(repo, options.refDelta ? ['-c', 'repack.useDeltaBaseOffset=false', ...args] : args);
  const packDir = join(repo, '.git/objects/pack');
  const idxName = (await readdir(packDir)).find((n) => n.endsWith('.idx')) as string;
  const verify = await git(repo, ['verify-pack', '-v', join(packDir, idxName)]);
  const deltas = verify.split('\n').filter((l) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length;
  const pack = await readFile(join(packDir, idxName.replace('.idx', '.pack')));
  const index = readPackIndex(await readFile(join(packDir, idxName)), idxName);
  const byId = async (oid: string): Promise<RawObject> => reader.readAt(index.get(oid) as number);
  const reader = new PackReader(pack, idxName, byId, 4096);
  const objects = new Map<string, RawObject>();
  const kinds = new Set<number>();
  for (const [oid, offset] of index) {
    kinds.add((pack[offset] >> 4) & 7);
    objects.set(oid, await reader.readAt(offset));
  }
  return { objects, deltas, kinds };
}

describe('compactCache', () => {
  it('merges packs with offset deltas into one pack git verifies, every object unchanged', async () => {
    await readAll({ refDelta: false });
    for (let c = 0; c < 3; c++) {
      await writeFile(join(repo, 'a.txt'), `${await readFile(join(repo, 'a.txt'), 'utf8')}more ${c}\n`);
      await git(repo, ['commit', '-qam', `more ${c}`]);
      await git(repo, ['repack', '-dq']);
    }
    const gitdir = join(repo, '.git');
    const packDir = join(gitdir, 'objects/pack');
    expect((await readdir(packDir)).filter((n) => n.endsWith('.pack')).length).toBe(4);
    const objects = (await git(repo, ['rev-list', '--objects', '--all'])).split('\n').map((l) => l.slice(0, 40));
    expect(await compactCache(gitdir, { signal: new AbortController().signal, maxPacks: 2 })).toBe(true);
    const idxName = (await readdir(packDir)).filter((n) => n.endsWith('.idx'));
    expect(idxName).toHaveLength(1);
    const verify = await git(repo, ['verify-pack', '-v', join(packDir, idxName[0])]);
    expect(verify).toMatch(/chain length = [2-9]/);
    await git(repo, ['fsck', '--full', '--strict', '--no-dangling']);
    const pack = await readFile(join(packDir, idxName[0].replace('.idx', '.pack')));
    const index = readPackIndex(await readFile(join(packDir, idxName[0])), idxName[0]);
    const reader: PackReader = new PackReader(pack, idxName[0], (oid) => reader.readAt(index.get(oid) as number));
    for (const oid of objects) {
      const o = await reader.readAt(index.get(oid) as number);
      expect(gitObjectId(o.type, o.content)).toBe(oid);
    }
  });
});

describe('PackReader', () => {
  it.each([
    ['offset deltas', false],
    ['ref deltas', true],
  ])('reads every object of a git pack with %s', async (_what, refDelta) => {
    const { objects, deltas, kinds } = await readAll({ refDelta });
    expect(deltas).toBeGreaterThan(20);
    expect(kinds.has(refDelta ? 7 : 6)).toBe(true);
    expect(objects.size).toBe(Number(/in-pack: (\d+)/.exec(await git(repo, ['count-objects', '-v']))?.[1]));
    for (const [oid, o] of objects) expect(gitObjectId(o.type, o.content)).toBe(oid);
    const head = await git(repo, ['rev-parse', 'HEAD:a.txt']);
    expect(objects.get(head)?.content.toString()).toBe(await readFile(join(repo, 'a.txt'), 'utf8'));
  });
});
