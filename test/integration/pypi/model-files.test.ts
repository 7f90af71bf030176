/**
 * Requirements files by path in the metadata repository (issue 16): read from the commit (or
 * the folder) the model was read from, with their includes, inlined into the spec so that a
 * commit changing one changes the mirror's hash; a missing file names the mirror, the model's
 * file:line and the path; `..`, absolute paths and links out of the repository are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryErrors, toFerryErrors } from '../../../src/core/ferry-error.js';
import type { DesiredState } from '../../../src/core/resource.js';
import { inlinedModelPaths, modelPath } from '../../../src/desired/model-files.js';
import { loadDesired } from '../../../src/reconcile/apply-desired.js';
import { withModelFiles } from '../../../src/reconcile/model-files.js';
import { readModelAtCommit, readModelDir } from '../../../src/source/model-source.js';

let tmp: string;
let n = 0;

function node(requirements: string): string {
  return `classes: []
parameters:
  ferry:
    site: {name: lab}
    mirrors:
      wheels:
        kind: pypi
        index_url: http://127.0.0.1:9/simple/
${requirements}
`;
}

/** A model folder with `files` (path -> text, or {link}) as a git repository; returns its path. */
function repo(files: Record<string, string | { link: string }>): string {
  const dir = join(tmp, `repo${n++}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    if (typeof content === 'string') writeFileSync(join(dir, path), content);
    else symlinkSync(content.link, join(dir, path));
  }
  mkdirSync(join(dir, 'classes'), { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'model'], { cwd: dir });
  return dir;
}

async function desiredAt(dir: string, from: 'commit' | 'folder' = 'commit'): Promise<DesiredState> {
  const files = from === 'commit' ? (await readModelAtCommit({ dir, ref: 'main' })).files : await readModelDir(dir);
  return withModelFiles(loadDesired(files).desired, files);
}

async function errorsOf(p: Promise<unknown>): Promise<Array<{ message: string; file?: unknown; line?: unknown }>> {
  try {
    await p;
  } catch (e) {
    return toFerryErrors(e).map((x) => ({ message: x.message, file: x.data.file, line: x.data.line }));
  }
  throw new Error('no error');
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-pypi-model-files-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('requirements files by path', () => {
  test('paths are relative to the model root and stay inside it', () => {
    expect(modelPath('reqs/app.txt')).toStrictEqual({ path: 'reqs/app.txt' });
    expect(modelPath('../base.txt', 'reqs/sub')).toStrictEqual({ path: 'reqs/base.txt' });
    expect(modelPath('./a/../b.txt')).toStrictEqual({ path: 'b.txt' });
    for (const bad of ['../x.txt', '/etc/passwd', 'a/../../x', 'C:\\x.txt', '', 'reqs/']) expect(modelPath(bad)).toHaveProperty('refused');
  });

  test.each(['commit', 'folder'] as const)('inlined with their includes, from a %s; a changed file changes the hash', async (from) => {
    const files = {
      'nodes/mirror01.yml': node('        requirements: [{path: reqs/app.txt}]\n        constraints: [{path: reqs/pins.txt}]'),
      'reqs/app.txt': '# the app\n-r common/base.txt\napp>=1.0\n',
      'reqs/common/base.txt': '-c ../pins.txt\nlib\n',
      'reqs/pins.txt': 'lib<2\n',
    };
    const d1 = await desiredAt(repo(files), from);
    const spec = d1.resources[0].spec as { model_files: Record<string, { text: string; sha256: string }> };
    expect(Object.keys(spec.model_files)).toStrictEqual(['reqs/app.txt', 'reqs/common/base.txt', 'reqs/pins.txt']);
    // What a watched model folder then counts in its revision (the controller's followFiles).
    expect(inlinedModelPaths(d1)).toStrictEqual(['reqs/app.txt', 'reqs/common/base.txt', 'reqs/pins.txt']);
    expect(spec.model_files['reqs/common/base.txt'].text).toBe('-c ../pins.txt\nlib\n');
    expect(spec.model_files['reqs/pins.txt'].sha256).toMatch(/^[0-9a-f]{64}$/);
    const same = await desiredAt(repo(files), from);
    expect(same.hash).toBe(d1.hash);
    const changed = await desiredAt(repo({ ...files, 'reqs/common/base.txt': '-c ../pins.txt\nlib\nsix\n' }), from);
    expect(changed.resources[0].hash).not.toBe(d1.resources[0].hash);
    expect(changed.hash).not.toBe(d1.hash);
  });

  test('a missing file names the mirror, the model file:line and the path; an include its file and line', async () => {
    const dir = repo({
      'nodes/mirror01.yml': node('        requirements:\n          - {path: reqs/app.txt}\n          - {path: reqs/nope.txt}'),
      'reqs/app.txt': 'app\n-r ../missing.txt\n-r ../../../etc/passwd\nbad (>=\n',
    });
    expect(await errorsOf(desiredAt(dir))).toStrictEqual([
      { message: expect.stringMatching(/^pypi\/wheels: reqs\/app.txt:4: /), file: 'reqs/app.txt', line: 4 },
      { message: 'pypi/wheels: reqs/app.txt:3: "../../../etc/passwd" leaves the model folder (..); refused', file: 'reqs/app.txt', line: 3 },
      { message: 'pypi/wheels: requirements.1.path: no file reqs/nope.txt in the model folder', file: 'nodes/mirror01.yml', line: 11 },
      { message: 'pypi/wheels: reqs/app.txt:2: names ../missing.txt: no file missing.txt in the model folder', file: 'reqs/app.txt', line: 2 },
    ]);
  });

  test('.. and absolute paths in the model are refused at the field', async () => {
    const dir = repo({ 'nodes/mirror01.yml': node('        requirements: [{path: ../outside.txt}, {path: /etc/passwd}]') });
    const errs = await errorsOf(desiredAt(dir));
    expect(errs.map((e) => [e.message, e.file])).toStrictEqual([
      ['pypi/wheels: requirements.0.path: "../outside.txt" leaves the model folder (..); refused', 'nodes/mirror01.yml'],
      ['pypi/wheels: requirements.1.path: "/etc/passwd" is absolute: a model file is named relative to the model root; refused', 'nodes/mirror01.yml'],
    ]);
  });

  test.each(['commit', 'folder'] as const)('a symbolic link inside the repository is followed, one out of it refused (%s)', async (from) => {
    writeFileSync(join(tmp, 'secret.txt'), 'secret\n');
    const inside = { 'nodes/mirror01.yml': node('        requirements: [{path: reqs/inside.txt}]'), 'shared/base.txt': 'lib\n', 'reqs/inside.txt': { link: '../shared/base.txt' } };
    const d = await desiredAt(repo(inside), from);
    expect((d.resources[0].spec as { model_files: Record<string, { text: string }> }).model_files['reqs/inside.txt'].text).toBe('lib\n');
    const dir = repo({
      ...inside,
      'nodes/mirror01.yml': node('        requirements: [{path: reqs/inside.txt}, {path: reqs/out.txt}]'),
      'reqs/out.txt': { link: from === 'commit' ? '../../secret.txt' : join(tmp, 'secret.txt') },
    });
    const errs = await errorsOf(desiredAt(dir, from));
    expect(errs).toHaveLength(1);
    // A commit's model is refused whole for any link out of the repository (source/model-tree.ts);
    // a folder's file named by a mirror is refused at the field that names it.
    if (from === 'commit') expect(errs[0]).toStrictEqual({ message: expect.stringMatching(/^symlink reqs\/out.txt -> \.\.\/\.\.\/secret.txt points outside the repository/), file: 'reqs/out.txt', line: undefined });
    else expect(errs[0]).toStrictEqual({ message: expect.stringMatching(/^pypi\/wheels: requirements\.1\.path: reqs\/out.txt leads outside the model folder .* through a symbolic link; refused$/), file: 'nodes/mirror01.yml', line: 9 });
  });

  test('errors are FerryErrors with the code of an invalid model', async () => {
    const dir = repo({ 'nodes/mirror01.yml': node('        requirements: [{path: nope.txt}]') });
    const e: unknown = await desiredAt(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FerryErrors);
    expect((e as FerryErrors).errors.map((x) => x.code)).toStrictEqual(['FERRY_INVALID_MODEL']);
  });
});
