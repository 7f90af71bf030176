/**
 * Issue 10: an interrupted or cancelled run is not a failure. Ctrl-C (SIGINT) during `ferry
 * apply` exits 130 (SIGTERM 143) saying it was interrupted, with no "download failed" error and
 * nothing published; `ferry reconcile --cancel` of a controller's run logs no download error and
 * records a Cancelled event. The upstream sends the first bytes of a large file, then stalls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControllerConfig } from '../../src/controller/config/ferry-config.js';
import { startController, type RunningController } from '../../src/controller/controller.js';
import { readEvents } from '../../src/controller/events/event-log.js';
import type { Logger } from '../../src/core/logger.js';
import { runFerry, spawnFerry } from '../helpers/run-ferry.js';

const SIZE = 64 * 1024 * 1024;
let tmp: string;
let upstream: Server;
let upstreamUrl: string;
const stalled: ServerResponse[] = [];
let requests = 0;

function writeModel(dir: string): void {
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'classes'), { recursive: true });
  const digest = createHash('sha256').update('never sent in full').digest('hex');
  writeFileSync(
    join(dir, 'nodes', 'mirror01.yml'),
    `classes: []\nparameters:\n  ferry:\n    site:\n      name: lab\n    mirrors:\n      images:\n        kind: file\n        files:\n          - {url: ${upstreamUrl}/big.img, sha256: ${digest}, size: ${SIZE}}\n`,
  );
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-cancel-'));
  upstream = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-length': SIZE });
    res.write(Buffer.alloc(1024));
    stalled.push(res);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of stalled) res.destroy();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('interrupted and cancelled runs (issue 10)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('ferry apply stopped by %s exits %d, says so, and publishes nothing', async (signal, code) => {
    const model = join(tmp, `model-${signal}`);
    writeModel(model);
    const state = join(tmp, `state-${signal}`);
    const before = requests;
    const child = spawnFerry(['apply', '--model', model, '--state', state], { env: { FERRY_LOG_LEVEL: 'info', FERRY_LOG_FORMAT: 'human' } });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    await until('the download to start', () => requests > before);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(stderr).toContain(`interrupted (${signal})`);
    expect(stderr).not.toMatch(/download failed|^error/m);
    expect(existsSync(join(state, 'current'))).toBe(false);
  }, 120_000);

  it('a controller run cancelled with `ferry reconcile --cancel` logs no download failure and records a Cancelled event', async () => {
    const model = join(tmp, 'model-controller');
    writeModel(model);
    const state = join(tmp, 'state-controller');
    const lines: Array<[string, string]> = [];
    const logger: Logger = {
      debug: () => undefined,
      info: (m) => lines.push(['info', m]),
      warn: (m) => lines.push(['warn', m]),
      error: (m) => lines.push(['error', m]),
    };
    const before = requests;
    let controller: RunningController | undefined;
    try {
      controller = await startController(
        parseControllerConfig({ stateDir: state, node: 'mirror01', source: { dir: model }, listen: { host: '127.0.0.1', port: 0 }, poll: false, watch: false }, tmp),
        { logger, processMetrics: false },
      );
      await until('the download to start', () => requests > before);
      const cancel = await runFerry(['reconcile', '--cancel', '--state', state]);
      expect({ code: cancel.code, out: cancel.stdout }).toEqual({ code: 0, out: 'cancel requested\n' });
      await until('the Cancelled event', async () => (await readEvents(state)).some((e) => e.type === 'Cancelled'));
      const cancelled = (await readEvents(state)).find((e) => e.type === 'Cancelled');
      expect(cancelled?.message).toMatch(/cancelled \(cancelled\); nothing published/);
      expect((await readEvents(state)).map((e) => e.type)).not.toContain('ApplyFailed');
      expect(lines.filter(([level, m]) => level === 'error' || /download failed/.test(m))).toEqual([]);
    } finally {
      await controller?.close();
    }
  }, 120_000);
});
