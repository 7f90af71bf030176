/**
 * `ferry apply` keeps the desired state its render worker computed (src/reconcile/desired-memo.ts)
 * and uses it instead of the worker only while the build, the node and every model file the
 * render read (and the list of model files) are unchanged. A model folder on disk, a file mirror
 * on 127.0.0.1, the real worker (kept warm between applies, as the controller does).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toFerryErrors } from '../../../src/core/ferry-error.js';
import { bundleBuildId, carriesCredentials, memoHit, memoPath, pathsDigest, readMemo, recordingFiles } from '../../../src/reconcile/desired-memo.js';
import { closeRenderWorker, DEFAULT_RENDER_ISOLATION } from '../../../src/reconcile/isolated-desired.js';
import { reconcile, type ReconcileResult } from '../../../src/reconcile/reconcile.js';
import { openModelDir } from '../../../src/source/model-dir.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';

let tmp: string;
let model: string;
let state: string;
let upstream: StaticServer;
const body = 'tool\n';
const sha = createHash('sha256').update(body).digest('hex');

function writeModel(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(model, path, '..'), { recursive: true });
    writeFileSync(join(model, path), text);
  }
}

const mirrors = (retention: number) =>
  `parameters:\n  ferry:\n    site: {name: lab, retention: ${retention}}\n    mirrors:\n      tools:\n        kind: file\n        files:\n          - {url: "${upstream.url}/tool.tar.gz", sha256: ${sha}, size: ${body.length}, path: tool.tar.gz}\n`;

async function apply(options: { build?: string; node?: string } = {}): Promise<ReconcileResult> {
  const fetcher = createHttpFetcher({ retries: 0, backoffMs: 10 });
  try {
    return await reconcile({
      stateDir: state,
      model: openModelDir(model),
      node: options.node,
      refresh: true,
      fetcher,
      isolate: { ...DEFAULT_RENDER_ISOLATION, keepWarm: true },
      memo: { build: options.build ?? 'build-1' },
    });
  } finally {
    await fetcher.close();
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-desired-memo-'));
  mkdirSync(join(tmp, 'upstream'));
  writeFileSync(join(tmp, 'upstream', 'tool.tar.gz'), body);
  upstream = await startStaticServer(join(tmp, 'upstream'));
  model = join(tmp, 'model');
  state = join(tmp, 'state');
  writeModel({ 'nodes/mirror01.yml': 'classes:\n  - lab.mirrors\n', 'classes/lab/mirrors.yml': mirrors(5), 'classes/lab/unused.yml': 'parameters: {a: 1}\n' });
});

afterAll(async () => {
  await closeRenderWorker();
  await upstream?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the desired-state memo of ferry apply', () => {
  it('renders once, then answers an unchanged model from the memo, with the same desired state', async () => {
    const first = await apply();
    expect(first.desiredFrom).toBe('render');
    expect(first.outcome).toBe('published');
    const memo = await readMemo(state);
    expect(memo?.build).toBe('build-1');
    // What the render read: the node and its class, not the class no node uses.
    expect(memo?.reads.map(([p]) => p).sort()).toEqual(['classes/lab/mirrors.yml', 'nodes/mirror01.yml']);
    const again = await apply();
    expect(again.desiredFrom).toBe('memo');
    expect(again.outcome).toBe('unchanged');
    expect(again.desiredHash).toBe(first.desiredHash);
    expect(again.plan).toEqual((await apply({ build: 'build-2' })).plan);
  }, 120_000);

  it('renders again when a file it read changes, a file is added or removed, or the node or the build differ', async () => {
    await apply();
    expect((await apply()).desiredFrom).toBe('memo');

    writeModel({ 'classes/lab/mirrors.yml': mirrors(6) });
    const changed = await apply();
    expect(changed.desiredFrom).toBe('render');
    expect((await apply()).desiredFrom).toBe('memo');

    // A file the render did not read: the list of files changed (class lookup, the default node).
    writeModel({ 'classes/lab/other.yml': 'parameters: {b: 2}\n' });
    expect((await apply()).desiredFrom).toBe('render');
    rmSync(join(model, 'classes/lab/other.yml'));
    expect((await apply()).desiredFrom).toBe('render');
    expect((await apply()).desiredFrom).toBe('memo');

    expect((await apply({ node: 'mirror01' })).desiredFrom).toBe('render');
    expect((await apply({ node: 'mirror01' })).desiredFrom).toBe('memo');
    expect((await apply({ build: 'build-3' })).desiredFrom).toBe('render');
  }, 180_000);

  it('renders (and fails) a model that fails every time; a memo that cannot be read is a miss', async () => {
    await apply();
    writeModel({ 'classes/lab/mirrors.yml': mirrors(5).replace('kind: file', 'kind: nosuchkind') });
    for (let i = 0; i < 2; i++) {
      const errors = await apply().then(() => [], toFerryErrors);
      expect(errors.map((e) => e.code)).toContain('FERRY_SCHEMA');
    }
    writeModel({ 'classes/lab/mirrors.yml': mirrors(5) });
    expect((await apply()).desiredFrom).toBe('render');
    writeFileSync(memoPath(state), 'not a memo');
    expect((await apply()).desiredFrom).toBe('render');
    expect((await apply()).desiredFrom).toBe('memo');
  }, 180_000);
});

describe('memo parts', () => {
  it('never keeps a desired state with credentials in it, and removes the memo there was', async () => {
    await apply();
    expect(existsSync(memoPath(state))).toBe(true);
    // The upstream with Basic auth written in the model's URL (the torture suite's planted secret).
    const secret = 's3cr3t-pw';
    writeModel({ 'classes/lab/mirrors.yml': mirrors(5).replace(`${upstream.url}/`, `${upstream.url.replace('://', `://ferry:${secret}@`)}/`) });
    try {
      const withSecret = await apply();
      expect(withSecret.desiredFrom).toBe('render');
      expect(existsSync(memoPath(state))).toBe(false);
      expect((await apply()).desiredFrom).toBe('render');
      expect(existsSync(memoPath(state))).toBe(false);
    } finally {
      writeModel({ 'classes/lab/mirrors.yml': mirrors(5) });
    }
    await apply();
    expect((await apply()).desiredFrom).toBe('memo');
    expect(carriesCredentials({ a: [{ url: 'https://u:p@h/x' }] })).toBe(true);
    expect(carriesCredentials({ a: 'reqs: --index-url https://token@pypi.example/simple\nsix' })).toBe(true);
    expect(carriesCredentials({ a: 'https://h/x?user=a@b', b: 'mail me@example.org' })).toBe(false);
  }, 120_000);

  it('records the files a render reads, by get and by iteration', () => {
    const files = new Map([
      ['a.yml', 'a'],
      ['b.yml', 'b'],
    ]);
    const byGet = recordingFiles(files);
    byGet.files.get('b.yml');
    byGet.files.get('missing.yml');
    expect(byGet.reads()).toEqual([['b.yml', createHash('sha256').update('b').digest('hex')]]);
    const byIteration = recordingFiles(files);
    expect([...byIteration.files.values()]).toEqual(['a', 'b']);
    expect(byIteration.reads().map(([p]) => p)).toEqual(['a.yml', 'b.yml']);
  });

  it('misses when a file it read is gone', () => {
    const desired = { site: { name: 'x' }, resources: [], hash: 'h' } as never;
    const memo = { format: 1 as const, build: 'b', node: null, paths: pathsDigest(new Map([['a.yml', 'a']])), reads: [['a.yml', createHash('sha256').update('a').digest('hex')]] as Array<[string, string]>, desired };
    expect(memoHit(memo, new Map([['a.yml', 'a']]), { build: 'b' })).toBe(desired);
    expect(memoHit(memo, new Map([['a.yml', 'A']]), { build: 'b' })).toBeUndefined();
    expect(memoHit(memo, new Map([['b.yml', 'a']]), { build: 'b' })).toBeUndefined();
    expect(memoHit(memo, new Map([['a.yml', 'a']]), { build: 'b', node: 'n' })).toBeUndefined();
  });

  it('knows the build id only of a bundle that has one', () => {
    const dir = mkdtempSync(join(tmp, 'bundle-'));
    const chunk = pathToFileURL(join(dir, 'chunk-X.js')).href;
    expect(bundleBuildId(chunk)).toBeUndefined();
    writeFileSync(join(dir, 'build-id'), `${'ab'.repeat(32)}\n`);
    expect(bundleBuildId(chunk)).toBe('ab'.repeat(32));
    expect(bundleBuildId(pathToFileURL(join(dir, 'desired-memo.ts')).href)).toBeUndefined();
    writeFileSync(join(dir, 'build-id'), 'garbage\n');
    expect(bundleBuildId(chunk)).toBeUndefined();
  });
});
