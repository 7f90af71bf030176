/**
 * kill -9 at random points of `ferry apply`, `ferry gc` and `ferry rollback` (import: add its
 * command to KILLED when export/import lands). After each kill the served snapshot must be
 * whole (`ferry fsck` exit 0, the current file answers with its content) and the next apply
 * must succeed.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';
import type { Area, Trial } from './trial.js';

const FILES = 40;
const body = (v: number, i: number) => Buffer.from(`version ${v} file ${i} `.repeat(2000 + i * 37));

export const crashArea: Area = {
  name: 'crash',
  async trials({ quick, random }) {
    const root = mkdtempSync(join(tmpdir(), 'ferry-torture-crash-'));
    const server = createServer((req, res) => {
      const m = /^\/v(\d+)\/f(\d+)$/.exec(req.url ?? '');
      if (!m) return res.writeHead(404).end();
      const data = body(Number(m[1]), Number(m[2]));
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const model = join(root, 'model');
    const state = join(root, 'state');
    mkdirSync(join(model, 'nodes'), { recursive: true });
    let version = 0;
    const writeModel = (v: number) => {
      const files = Array.from({ length: FILES }, (_, i) => `          - {url: "http://127.0.0.1:${port}/v${v}/f${i}", sha256: ${createHash('sha256').update(body(v, i)).digest('hex')}, path: f${i}}`);
      writeFileSync(join(model, 'nodes', 'mirror.yml'), ['parameters:', '  ferry:', '    site: {name: torture, retention: 4}', '    mirrors:', '      media:', '        kind: file', '        files:', ...files, ''].join('\n'));
    };
    const apply = () => runFerry(['apply', '--model', model, '--state', state, '--wait']);
    writeModel(version);
    const first = await apply();
    if (first.code !== 0) throw new Error(`crash area: the first apply failed: ${first.stderr}`);

    /** The served tree is whole and the next apply works. */
    const check = async (): Promise<string | undefined> => {
      const fsck = await runFerry(['fsck', '--state', state]);
      if (fsck.code !== 0) return `fsck exit ${fsck.code}: ${fsck.stderr.trim().split('\n')[0]}`;
      const served = readFileSync(join(state, 'current', 'tree', 'file', 'media', 'f1'));
      if (!served.toString().startsWith('version ')) return 'current f1 unreadable';
      version++;
      writeModel(version);
      const next = await apply();
      if (next.code !== 0) return `next apply exit ${next.code}: ${next.stderr.trim().split('\n')[0]}`;
      return undefined;
    };
    const killAt = async (args: string[], delayMs: number): Promise<string> => {
      const child = spawnFerry(args);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      const code = await exited;
      return code === null ? 'killed' : `exited ${code} first`;
    };
    const KILLED: Array<[string, () => string[], number]> = [
      ['apply', () => (writeModel(++version), ['apply', '--model', model, '--state', state, '--wait']), 2500],
      ['gc', () => ['gc', '--state', state, '--keep', '1', '--wait'], 1500],
      ['rollback', () => ['rollback', '--state', state, '--wait', '--no-suspend'], 1500],
      // import: ['import', () => ['import', ...], ms] once export/import lands (issue 10).
    ];
    const perCommand = quick ? 1 : 34;
    const trials: Trial[] = [];
    for (const [command, args, spreadMs] of KILLED) {
      for (let i = 0; i < perCommand; i++) {
        trials.push({
          area: 'crash',
          name: `kill -9 during ${command}`,
          run: async () => {
            const delay = Math.floor(random() * spreadMs);
            const how = await killAt(args(), delay);
            const problem = await check();
            return { ok: !problem, detail: problem ?? `${how} at ${delay} ms; served tree whole, next apply ok` };
          },
        });
      }
    }
    return {
      trials,
      cleanup: async () => {
        await new Promise((r) => server.close(r));
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
};
