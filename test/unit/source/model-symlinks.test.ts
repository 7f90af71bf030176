/**
 * Symlinked class folders (issue 12): followed in a checkout (model-walk.ts) and in a commit
 * read from Git (model-tree.ts, where a link is a blob of mode 120000), with a loop guard; in
 * a commit, a link out of the repository is an error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openModelDir } from '../../../src/source/model-dir.js';
import { readModelAtCommit, readModelDir } from '../../../src/source/model-source.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import { renderNode } from '../../../src/model/index.js';

function put(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function link(root: string, path: string, target: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: dir, encoding: 'utf8' });
}

function commitAll(dir: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'model');
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<FerryError> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    if (e instanceof FerryError) return e;
    throw e;
  }
  throw new Error('expected a FerryError');
}

/** An MCP-like model: classes/service links to formulas' metadata, classes/system to a checkout. */
function mcpModel(root: string): void {
  put(root, 'formulas/service/aptly/server/single.yml', 'applications: [aptly]\nparameters:\n  aptly: {server: {enabled: true}}\n');
  put(root, 'system-model/aptly/server/mirror.yml', 'classes: [service.aptly.server.single]\nparameters:\n  aptly: {server: {mirror: {m: {source: "http://x/"}}}}\n');
  put(root, 'model/nodes/apt01.yml', 'classes: [system.aptly.server.mirror, cluster.lab.apt]\n');
  put(root, 'model/classes/cluster/lab/apt-base.yml', 'parameters: {role: apt}\n');
  link(root, 'model/classes/cluster/lab/apt.yml', 'apt-base.yml');
  link(root, 'model/classes/service', '../../formulas/service');
  link(root, 'model/classes/system', '../../system-model');
}

describe('a model folder with symlinks (checkout)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-symlinks-'));
    mcpModel(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists linked folders under the link path, and renders their classes', async () => {
    const files = openModelDir(join(root, 'model'));
    expect([...files.keys()]).toEqual([
      'classes/cluster/lab/apt-base.yml',
      'classes/cluster/lab/apt.yml',
      'classes/service/aptly/server/single.yml',
      'classes/system/aptly/server/mirror.yml',
      'nodes/apt01.yml',
    ]);
    expect([...(await readModelDir(join(root, 'model'))).keys()]).toEqual([...files.keys()]);
    const node = renderNode(files, 'apt01');
    expect(node.applications).toEqual(['aptly']);
    expect(node.parameters).toMatchObject({ role: 'apt', aptly: { server: { enabled: true, mirror: { m: { source: 'http://x/' } } } } });
  });

  it('refuses a link back to a folder that contains it (loop guard)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-symlink-loop-'));
    put(dir, 'nodes/n.yml', 'classes: []\n');
    put(dir, 'classes/a/x.yml', 'parameters: {}\n');
    link(dir, 'classes/a/again', '..');
    const e = await errorOf(() => openModelDir(dir));
    expect(e.code).toBe('FERRY_INVALID_MODEL');
    expect(e.message).toContain('symlink loop: classes/a/again -> ..');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a model commit with symlinks (--repo)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-symlinks-git-'));
    mcpModel(root);
    git(root, 'init', '-q', '-b', 'main');
    commitAll(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('follows links to folders and files inside the repository', async () => {
    const { files } = await readModelAtCommit({ dir: root, ref: 'main', subdir: 'model' });
    expect([...files.keys()]).toEqual([...openModelDir(join(root, 'model')).keys()]);
    expect(files.get('classes/cluster/lab/apt.yml')).toBe('parameters: {role: apt}\n');
    const node = renderNode(files, 'apt01');
    expect(node.parameters).toMatchObject({ role: 'apt', aptly: { server: { enabled: true } } });
  });

  it('refuses a link that leaves the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-symlinks-out-'));
    put(dir, 'nodes/n.yml', 'classes: []\n');
    link(dir, 'classes/service', '/usr/share/salt-formulas/reclass/service');
    git(dir, 'init', '-q', '-b', 'main');
    commitAll(dir);
    const e = await errorOf(readModelAtCommit({ dir, ref: 'main' }));
    expect(e.code).toBe('FERRY_INVALID_MODEL');
    expect(e.message).toContain('symlink classes/service -> /usr/share/salt-formulas/reclass/service points outside the repository');
    link(dir, 'classes/service2', '../../elsewhere');
    rmSync(join(dir, 'classes/service'));
    commitAll(dir);
    expect((await errorOf(readModelAtCommit({ dir, ref: 'main' }))).message).toContain('classes/service2 -> ../../elsewhere points outside');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a loop and a dangling link to a model file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-symlinks-loop-'));
    put(dir, 'nodes/n.yml', 'classes: []\n');
    put(dir, 'classes/a/x.yml', 'parameters: {}\n');
    link(dir, 'classes/a/b/again', '../..');
    git(dir, 'init', '-q', '-b', 'main');
    commitAll(dir);
    const loop = await errorOf(readModelAtCommit({ dir, ref: 'main' }));
    expect(loop.code).toBe('FERRY_INVALID_MODEL');
    expect(loop.message).toContain('symlink loop: classes/a/b/again -> ../..');
    rmSync(join(dir, 'classes/a/b'), { recursive: true });
    link(dir, 'classes/gone.yml', 'missing.yml');
    commitAll(dir);
    expect((await errorOf(readModelAtCommit({ dir, ref: 'main' }))).message).toBe('dangling symlink: classes/gone.yml -> missing.yml');
    rmSync(dir, { recursive: true, force: true });
  });
});
