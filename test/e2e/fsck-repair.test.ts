/**
 * Issue 10, "Repair": `ferry fsck` finds a damaged and a missing blob and points at
 * `--repair`; `ferry fsck --repair` downloads both again from the URLs the manifests record
 * (verified), relinks them into every retained snapshot tree that holds them, and the next fsck
 * is clean. A refresh could not: the upstream is unchanged, so it fetches nothing. A damaged
 * file Ferry generated (SHA256SUMS) has no upstream URL: it is reported, not guessed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { runFerry } from '../helpers/run-ferry.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const A = randomBytes(300_000);
const B = randomBytes(5_000);

let tmp: string;
let upstream: StaticServer;
let model: string;
let state: string;

function writeModel(files: Array<[string, Buffer]>): void {
  const list = files.map(([name, body]) => `          - {url: ${upstream.url}/${name}, sha256: ${sha(body)}, size: ${body.length}}`).join('\n');
  writeFileSync(join(model, 'nodes', 'mirror01.yml'), `classes: []\nparameters:\n  ferry:\n    site:\n      name: lab\n    mirrors:\n      images:\n        kind: file\n        files:\n${list}\n`);
}

const blobPath = (digest: string) => join(state, 'objects', 'sha256', digest.slice(0, 2), digest.slice(2));
const snapshots = () => readdirSync(join(state, 'snapshots')).filter((n) => /^\d/.test(n)).sort();
const served = (id: string, name: string) => readFileSync(join(state, 'snapshots', id, 'tree', 'file', 'images', name));

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-repair-'));
  mkdirSync(join(tmp, 'upstream'));
  writeFileSync(join(tmp, 'upstream', 'a.img'), A);
  writeFileSync(join(tmp, 'upstream', 'b.img'), B);
  upstream = await startStaticServer(join(tmp, 'upstream'));
  model = join(tmp, 'model');
  mkdirSync(join(model, 'nodes'), { recursive: true });
  mkdirSync(join(model, 'classes'), { recursive: true });
  state = join(tmp, 'state');
  writeModel([['a.img', A]]);
  expect((await runFerry(['apply', '--model', model, '--state', state])).code).toBe(0);
  writeModel([['a.img', A], ['b.img', B]]);
  expect((await runFerry(['apply', '--model', model, '--state', state])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await upstream?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('ferry fsck --repair (issue 10)', () => {
  it('fetches a damaged and a missing blob again and relinks them into every retained snapshot', async () => {
    const [first, second] = snapshots();
    // Damage a.img's blob in place (every tree shares its inode), remove b.img's.
    chmodSync(blobPath(sha(A)), 0o644);
    writeFileSync(blobPath(sha(A)), Buffer.concat([A.subarray(0, 1000), Buffer.from('rot'), A.subarray(1003)]));
    unlinkSync(blobPath(sha(B)));
    expect(sha(served(first, 'a.img'))).not.toBe(sha(A));

    const check = await runFerry(['fsck', '--state', state]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`digest-mismatch: ${blobPath(sha(A))}`);
    expect(check.stdout).toContain(`blob ${sha(B)} is not in the store`);
    expect(check.stdout).toContain('ferry fsck --repair');

    upstream.requests.length = 0;
    const repair = await runFerry(['fsck', '--repair', '--state', state, '--json']);
    expect({ code: repair.code, err: repair.stderr }).toEqual({ code: 0, err: '' });
    const report = JSON.parse(repair.stdout) as { refetched: Array<{ sha256: string; url: string }>; relinked: number; remaining: unknown[] };
    expect(report.refetched.map((r) => [r.sha256, r.url]).sort()).toEqual(
      [[sha(A), `${upstream.url}/a.img`], [sha(B), `${upstream.url}/b.img`]].sort(),
    );
    expect(report.relinked).toBe(3); // a.img in both snapshots, b.img in the second
    expect(report.remaining).toEqual([]);
    expect(upstream.requests.sort()).toEqual(['/a.img', '/b.img']);
    for (const id of [first, second]) expect(sha(served(id, 'a.img'))).toBe(sha(A));
    expect(sha(served(second, 'b.img'))).toBe(sha(B));
    expect((await runFerry(['fsck', '--state', state])).stdout).toBe('fsck: clean\n');
  }, 120_000);

  it('reports a damaged file Ferry generated, which has no upstream URL, and exits 1', async () => {
    const [, second] = snapshots();
    const sums = readFileSync(join(state, 'snapshots', second, 'tree', 'file', 'images', 'SHA256SUMS'));
    chmodSync(blobPath(sha(sums)), 0o644);
    writeFileSync(blobPath(sha(sums)), 'garbage\n');
    const repair = await runFerry(['fsck', '--repair', '--state', state]);
    expect(repair.code).toBe(1);
    expect(repair.stdout).toContain(`not repaired: ${sha(sums)}`);
    expect(repair.stdout).toContain('generated by Ferry (no upstream URL');
  }, 60_000);
});
