/**
 * Issue 16, end to end with the real client: a generated upstream index (wheels built by the test,
 * dependencies between them, one with Requires-Python, one yanked, a manylinux and pure ones) on
 * 127.0.0.1; `ferry apply` mirrors it; Debian's pip downloads (`--no-deps` and with dependencies)
 * and installs into a fresh venv from `ferry serve` and from nginx with the printed configuration,
 * across a publish, a rollback (a reverted commit) and a retained snapshot's URL; what the mirror
 * left out fails. Both servers answer PEP 691 JSON or PEP 503 HTML by Accept.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { servingDeclarations } from '../../src/drivers/registry.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { freePort } from '../helpers/free-port.js';
import { writeFixtureUpstream } from '../helpers/pypi-upstream-fixture.js';
import { makeWheel, startPypiUpstream, writeUpstream, type PypiUpstreamServer } from '../helpers/pypi-wheels.js';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
/** pip sees only the index it is given: no configuration file, no PIP_* variable of this machine (find-links, extra indexes). */
const PIP_ENV = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIP_'))), PIP_CONFIG_FILE: '/dev/null' };

let tmp: string;
let upstream: PypiUpstreamServer;
let modelDir: string;
let state: string;
let venv: string;
let ferryServe: ChildProcess | undefined;
let ferryServe2: ChildProcess | undefined;
let upstream2: PypiUpstreamServer | undefined;
let nginx: RunningNginx | undefined;
let serveBase: string;

const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: modelDir });

function model(projects: string[]): string {
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      wheels:
        kind: pypi
        index_url: ${upstream.index}
        projects: [${projects.map((p) => JSON.stringify(p)).join(', ')}]
        with_deps: true
        python_versions: ['3.11']
        platforms: [manylinux_2_28_x86_64]
`;
}

async function commit(projects: string[], message: string): Promise<void> {
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(projects));
  await git('add', '-A');
  await git('commit', '-q', '-m', message);
}

async function apply(): Promise<string> {
  const r = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--node', 'mirror01', '--state', state, '--json']);
  if (r.code !== 0) throw new Error(`ferry apply failed (${r.code}): ${r.stderr}${r.stdout}`);
  return (JSON.parse(r.stdout) as { outcome: string }).outcome;
}

/** pip, from the venv, against `index`; resolves with its output or rejects with it. */
async function pip(args: string[], index: string): Promise<string> {
  const r = await run(join(venv, 'bin', 'python'), ['-m', 'pip', ...args, '--index-url', index, '--disable-pip-version-check', '--no-cache-dir'], { maxBuffer: 16 << 20, env: PIP_ENV }).catch((e: { stdout?: string; stderr?: string }) => {
    throw new Error(`pip ${args.join(' ')} failed: ${e.stderr ?? ''}${e.stdout ?? ''}`);
  });
  return r.stdout + r.stderr;
}

/** Files pip downloaded into a fresh folder. */
async function download(args: string[], index: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmp, 'dl-'));
  await pip(['download', '-d', dir, ...args], index);
  return readdirSync(dir).sort();
}

const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => (/No matching distribution found/.test(e.message) ? 'no matching distribution' : e.message));

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered`);
}

beforeAll(async () => {
  await run(PYTHON, ['-c', 'import pip, venv, ensurepip']).catch(() => {
    throw new Error(`${PYTHON} with pip and venv is needed: run scripts/install-pypi.sh`);
  });
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-pypi-'));
  chmodSync(tmp, 0o755); // nginx's workers read the state folder as their own user
  await writeFixtureUpstream(join(tmp, 'upstream'), { json: true, metadataFiles: true });
  upstream = await startPypiUpstream(join(tmp, 'upstream'), { redirectFiles: true });
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: modelDir });
  state = join(tmp, 'state');
  venv = join(tmp, 'venv');
  await run(PYTHON, ['-m', 'venv', venv]);
}, 300_000);

afterAll(async () => {
  ferryServe?.kill('SIGTERM');
  ferryServe2?.kill('SIGTERM');
  await nginx?.stop();
  await upstream?.close();
  await upstream2?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('pip against a Ferry pypi mirror', () => {
  it('downloads and installs across publish and rollback, from ferry serve and nginx', async () => {
    await commit(['app'], 'app');
    expect(await apply()).toBe('published');
    const port = await freePort();
    ferryServe = spawnFerry(['serve', '--state', state, '--listen', `127.0.0.1:${port}`]);
    serveBase = `http://127.0.0.1:${port}`;
    nginx = await startNginx({ dir: tmp, serverBlock: (p) => renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${p}`, serving: servingDeclarations() }) });
    const nginxBase = `http://127.0.0.1:${nginx.port}`;
    await waitFor(`${serveBase}/pypi/wheels/simple/`);
    const servers = [
      ['ferry serve', `${serveBase}/pypi/wheels/simple/`],
      ['nginx', `${nginxBase}/pypi/wheels/simple/`],
    ] as const;

    for (const [name, index] of servers) {
      // JSON or HTML by Accept, from both servers.
      const json = await fetch(`${index}app/`, { headers: { Accept: `${JSON_TYPE}, text/html;q=0.01` } });
      const html = await fetch(`${index}app/`, { headers: { Accept: 'text/html' } });
      expect({ name, json: json.headers.get('content-type'), html: html.headers.get('content-type') }).toStrictEqual({ name, json: JSON_TYPE, html: 'text/html; charset=utf-8' });
      const page = (await json.json()) as { files: Array<{ filename: string; yanked: unknown }> };
      expect(page.files.map((f) => [f.filename, f.yanked])).toStrictEqual([
        ['App-0.9-py3-none-any.whl', 'broken build'],
        ['App-1.0-py3-none-any.whl', false],
        ['App-1.0.tar.gz', false],
      ]);
      expect(await html.text()).toContain('data-yanked="broken build"');
      expect({ name, files: await download(['app'], index) }).toStrictEqual({
        name,
        files: ['App-1.0-py3-none-any.whl', 'lib-1.0-py3-none-any.whl', 'native-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'],
      });
    }
    // The rest against ferry serve (pip's checks cost a second or two each).
    const index = servers[0][1];
    expect(await download(['--no-deps', 'app'], index)).toStrictEqual(['App-1.0-py3-none-any.whl']);
    // Yanked, served as yanked: pip takes it only when pinned.
    expect(await download(['--no-deps', 'app==0.9'], index)).toStrictEqual(['App-0.9-py3-none-any.whl']);
    // Left out by the mirror: a pre-release, a project nobody required, Windows-only wheels.
    expect(await failure(download(['--no-deps', '--pre', 'app==2.0b1'], index))).toBe('no matching distribution');
    expect(await failure(download(['--no-deps', 'winonly'], index))).toBe('no matching distribution');

    await pip(['install', '-q', 'app'], servers[0][1]);
    const imported = await run(join(venv, 'bin', 'python'), ['-c', 'import app, lib, native; print(app.VERSION, lib.VERSION, native.VERSION)'], { env: PIP_ENV });
    expect(imported.stdout.trim()).toBe('1.0 1.0 1.0');

    // v2: `other` added; then the commit is reverted (the v1 snapshot is published again).
    const v1 = (await fetch(`${serveBase}/pypi/wheels/simple/`)).headers.get('x-ferry-snapshot');
    await commit(['app', 'other'], 'other');
    expect(await apply()).toBe('published');
    await nginx.reload();
    for (const [name, index] of servers) expect({ name, files: await download(['--no-deps', 'other'], index) }).toStrictEqual({ name, files: ['other-3.0-py3-none-any.whl'] });
    await git('revert', '--no-edit', 'HEAD');
    expect(await apply()).toBe('reused');
    for (const [name, index] of servers) expect({ name, other: await failure(download(['--no-deps', 'other'], index)) }).toStrictEqual({ name, other: 'no matching distribution' });
    // A retained snapshot serves as it was, by its own URL.
    expect(v1).toMatch(/^\d/);
    expect(await download(['--no-deps', 'app'], `${serveBase}/snapshots/${v1}/pypi/wheels/simple/`)).toStrictEqual(['App-1.0-py3-none-any.whl']);
    expect(existsSync(join(state, 'current'))).toBe(true);
  }, 600_000);

  it('reads a requirements file of the model repository: a commit that changes it changes what pip installs', async () => {
    // An upstream of its own: `tool` 1.0 and 2.0, `helper` (a dependency of both).
    const tool = (v: string) => makeWheel({ name: 'tool', version: v, requires: ['helper'] });
    const helper = makeWheel({ name: 'helper', version: '1.0' });
    await writeUpstream(join(tmp, 'upstream2'), [
      { name: 'tool', files: [tool('1.0'), tool('2.0')] },
      { name: 'helper', files: [helper] },
    ]);
    upstream2 = await startPypiUpstream(join(tmp, 'upstream2'));
    const repo = join(tmp, 'model2');
    mkdirSync(join(repo, 'nodes'), { recursive: true });
    mkdirSync(join(repo, 'classes'), { recursive: true });
    mkdirSync(join(repo, 'requirements'), { recursive: true });
    const g = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo });
    await g('init', '-q', '-b', 'main');
    writeFileSync(
      join(repo, 'nodes', 'mirror01.yml'),
      `classes: []\nparameters:\n  ferry:\n    site: {name: lab}\n    mirrors:\n      tools:\n        kind: pypi\n        index_url: ${upstream2.index}\n        with_deps: true\n        python_versions: ['3.11']\n        requirements: [{path: requirements/site.txt}]\n`,
    );
    // pip's syntax: a comment, an include relative to the file, a continuation, a --hash.
    writeFileSync(join(repo, 'requirements', 'site.txt'), '# what the site installs\n-r pins/tool.txt\n');
    mkdirSync(join(repo, 'requirements', 'pins'));
    const pin = (v: string, sha: string) => writeFileSync(join(repo, 'requirements', 'pins', 'tool.txt'), `tool==${v} \\\n    --hash=sha256:${sha}\n`);
    pin('1.0', tool('1.0').sha256);
    await g('add', '-A');
    await g('commit', '-q', '-m', 'tool 1.0');
    const state2 = join(tmp, 'state2');
    const apply2 = async () => {
      const r = await runFerry(['apply', '--repo', repo, '--ref', 'main', '--node', 'mirror01', '--state', state2, '--json']);
      if (r.code !== 0) throw new Error(`ferry apply failed (${r.code}): ${r.stderr}${r.stdout}`);
      return (JSON.parse(r.stdout) as { outcome: string }).outcome;
    };
    expect(await apply2()).toBe('published');
    const port = await freePort();
    ferryServe2 = spawnFerry(['serve', '--state', state2, '--listen', `127.0.0.1:${port}`]);
    const index = `http://127.0.0.1:${port}/pypi/tools/simple/`;
    await waitFor(index);
    const venv2 = join(tmp, 'venv2');
    await run(PYTHON, ['-m', 'venv', venv2]);
    const installed = async () => (await run(join(venv2, 'bin', 'python'), ['-c', 'import tool, helper; print(tool.VERSION, helper.VERSION)'], { env: PIP_ENV })).stdout.trim();
    const pip2 = (args: string[]) =>
      run(join(venv2, 'bin', 'python'), ['-m', 'pip', ...args, '--index-url', index, '--disable-pip-version-check', '--no-cache-dir'], { env: PIP_ENV }).catch((e: { stderr?: string }) => {
        throw new Error(`pip ${args.join(' ')} failed: ${e.stderr ?? ''}`);
      });
    await pip2(['install', '-q', 'tool']);
    expect(await installed()).toBe('1.0 1.0');
    expect(await failure(download(['--no-deps', 'tool==2.0'], index))).toBe('no matching distribution');

    // Only the requirements file changes in the next commit: the plan changes the mirror.
    pin('2.0', tool('2.0').sha256);
    await g('commit', '-q', '-am', 'tool 2.0');
    const plan = await runFerry(['plan', '--repo', repo, '--ref', 'main', '--node', 'mirror01', '--state', state2, '--no-resolve', '--json']);
    expect((JSON.parse(plan.stdout) as { resources: Array<{ id: string; change: string }> }).resources.map((r) => [r.id, r.change])).toStrictEqual([['pypi/tools', 'change']]);
    expect(await apply2()).toBe('published');
    await pip2(['install', '-q', '--upgrade', 'tool']);
    expect(await installed()).toBe('2.0 1.0');
    expect(await failure(download(['--no-deps', 'tool==1.0'], index))).toBe('no matching distribution');
  }, 600_000);
});
