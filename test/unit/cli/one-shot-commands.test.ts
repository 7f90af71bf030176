/**
 * The one-shot commands as a user runs them (the built CLI under `make test`, src/ through tsx
 * otherwise) on a local model with a file mirror served from 127.0.0.1: their output, and
 * (from src/, where every module is its own file) which modules each one loads. Start-up is
 * mostly module loading, so a command must not load what it does not use.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ferrySchema } from '../../../src/drivers/registry.js';
import { loadStandalone, validatorKey } from '../../../src/validate/schema.js';
import { REPO_ROOT, runFerry } from '../../helpers/run-ferry.js';

const body = Buffer.from('a tool\n');
const sha = createHash('sha256').update(body).digest('hex');
let root: string;
let model: string;
let state: string;
let upstream: Server;
let requests = 0;

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const { port } = upstream.address() as { port: number };
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
  model = join(root, 'model');
  state = join(root, 'state');
  mkdirSync(join(model, 'classes'), { recursive: true });
  mkdirSync(join(model, 'nodes'));
  writeFileSync(
    join(model, 'classes', 'mirrors.yml'),
    `parameters:\n  ferry:\n    site: {name: lab, retention: 3}\n    mirrors:\n      tools:\n        kind: file\n        files:\n          - {url: "http://127.0.0.1:${port}/tool.tgz", sha256: ${sha}, size: ${body.length}, path: tool.tgz}\n`,
  );
  writeFileSync(join(model, 'nodes', 'mirror01.yml'), 'classes:\n  - mirrors\n');
  writeTracer(root);
});

afterAll(() => {
  upstream.close();
  rmSync(root, { recursive: true, force: true });
});

describe('one-shot commands', () => {
  it('render the node as YAML and as JSON', async () => {
    const yaml = await runFerry(['render', '--model', model, '--nodeinfo', 'mirror01']);
    expect(yaml.stderr).toBe('');
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^__reclass__:\n {2}node: mirror01\n/);
    expect(yaml.stdout).toContain(`sha256: ${sha}`);
    const json = await runFerry(['render', '--model', model, '--nodeinfo', 'mirror01', '-o', 'json']);
    expect(JSON.parse(json.stdout).parameters.ferry.mirrors.tools.kind).toBe('file');
  });

  it('validate, plan, apply, apply --refresh (nothing new upstream), history', async () => {
    const valid = await runFerry(['validate', '--model', model]);
    expect(valid.stdout).toMatch(/: valid, node mirror01, 1 mirrors, desired [0-9a-f]{16}\n$/);
    const plan = await runFerry(['plan', '--model', model, '--state', state]);
    expect(plan.stdout).toContain('+ file/tools');
    const apply = await runFerry(['apply', '--model', model, '--state', state], { env: { FERRY_LOG_LEVEL: 'info', FERRY_LOG_FORMAT: 'json' } });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/^published \S+ \(fetched 1 files, 7 B, 1 requests, \d+ ms\)$/m);
    const logged = apply.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l.message === 'published')).toMatchObject({ level: 'info', files: 1, bytes: 7, timestamp: expect.stringMatching(/Z$/) });
    const before = requests;
    const refresh = await runFerry(['apply', '--model', model, '--state', state, '--refresh']);
    // The plan is printed once resolved (before any download), then the outcome.
    expect(refresh.stdout).toMatch(/^plan: 0 to add, 0 to change, 0 to remove, 1 unchanged; fetch 0 files, 0 B\nalready published \S+ \(fetched 0 files, 0 B, 0 requests, \d+ ms\)\n$/m);
    expect(requests).toBe(before);
    const history = await runFerry(['history', '--state', state]);
    expect(history.stdout.split('\n').filter((l) => l.includes(' apply '))).toHaveLength(1);
  });
});

/** Packages that only some commands need. */
const HEAVY = ['isomorphic-git', 'undici', 'openpgp', 'winston', 'prom-client', 'chokidar', 'cli-progress'];

describe('what a command loads (src/, issue: CLI start-up)', () => {
  // The build's standalone validator, when it is there and made from the current schema.
  const standalone = loadStandalone(join(REPO_ROOT, 'dist', 'validate', 'ferry-schema-validate.cjs'), validatorKey(ferrySchema())) !== undefined;

  it('render loads the model and the CLI, no other stage and no large library', async () => {
    const loaded = await modulesOf(['render', '--model', model, '--nodeinfo', 'mirror01']);
    expect(loaded.some((f) => f.includes('/src/model/'))).toBe(true);
    expect(heavy(loaded, ['commander'])).toEqual(['commander']); // the trace sees packages
    expect(heavy(loaded, [...HEAVY, 'ajv', 'p-queue'])).toEqual([]);
    expect(loaded.filter((f) => /\/src\/(validate|desired|plan|drivers|store|transport|serve)\//.test(f))).toEqual([]);
  });

  it('validate of a model directory loads no git, network, logging or schema compiler', async () => {
    const loaded = await modulesOf(['validate', '--model', model]);
    expect(loaded.some((f) => f.includes('/src/validate/'))).toBe(true);
    expect(heavy(loaded, [...HEAVY, 'p-queue'])).toEqual([]);
    // With the build's standalone validator, ajv's compiler is not loaded (its runtime helpers are).
    if (standalone) expect(loaded.filter((f) => f.endsWith('/node_modules/ajv/dist/ajv.js'))).toEqual([]);
  });

  it('apply --refresh of a file mirror loads no network, git, signing or winston', async () => {
    await runFerry(['apply', '--model', model, '--state', state]);
    const loaded = await modulesOf(['apply', '--model', model, '--state', state, '--refresh'], { FERRY_LOG_LEVEL: 'info' });
    expect(loaded.some((f) => f.includes('/src/reconcile/reconcile.ts'))).toBe(true);
    expect(heavy(loaded, HEAVY)).toEqual([]);
    // The lazy fetcher is transport's front door: it loads the HTTP client only when asked to fetch.
    expect(loaded.filter((f) => f.includes('/src/transport/') && !f.endsWith('/src/transport/lazy-fetcher.ts'))).toEqual([]);
  });
});

function heavy(loaded: string[], packages: string[]): string[] {
  return packages.filter((p) => loaded.some((f) => f.includes(`/node_modules/${p}/`)));
}

/** Writes a preload that records every module a process loads (ESM through a hook, CommonJS at exit). */
function writeTracer(dir: string): void {
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }
`,
  );
  writeFileSync(
    join(dir, 'trace.cjs'),
    `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const out = process.env.FERRY_TRACE_OUT;
Module.register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)}, { data: { out } });
process.on('exit', () => appendFileSync(out, Object.keys(Module._cache).join('\\n') + '\\n'));
`,
  );
}

async function modulesOf(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const out = join(root, `trace-${args[0]}-${Date.now()}.txt`);
  const argv = ['--require', join(root, 'trace.cjs'), '--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args];
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '', FERRY_TRACE_OUT: out, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  expect({ code, stderr: stderr.split('\n').filter((l) => !l.includes('"level":"info"')).join('\n') }).toEqual({ code: 0, stderr: '' });
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^file:\/\//, ''));
}
