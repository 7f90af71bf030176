/**
 * apt's by-hash lookups across publish, rollback and re-publish (issue 11): a client that read
 * snapshot B's InRelease and then fetches `by-hash/SHA256/<B's Packages.xz>` after the switch
 * back to A gets the file, and the other way round, from `ferry serve` and from nginx; and apt
 * itself, updated against B, installs after the rollback with its B lists.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { renderNginxServerBlock } from '../../src/serve/nginx-config.js';
import { parseRelease } from '../../src/drivers/deb/format/release.js';
import { makeAptRoot, type AptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import { runFerry } from '../helpers/run-ferry.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';

const run = promisify(execFile);

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;
let server: RunningServer;
let nginx: RunningNginx;
let modelDir: string;
let state: string;

function indent(text: string, spaces: number): string {
  return text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

async function apply(packages: string[]): Promise<string> {
  writeFileSync(
    join(modelDir, 'nodes', 'mirror01.yml'),
    `classes: []\nparameters:\n  ferry:\n    site:\n      name: lab\n    mirrors:\n      os:\n        kind: deb\n        url: ${upstream.url}/debian\n        suites: [bookworm]\n        packages: [${packages.join(', ')}]\n        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`,
  );
  const r = await runFerry(['apply', '--model', modelDir, '--node', 'mirror01', '--state', state]);
  expect(r.code).toBe(0);
  return basename(readlinkSync(join(state, 'current')));
}

/** The by-hash URL path of the Packages.xz the published InRelease lists, read from `base`. */
async function packagesXzByHash(base: string): Promise<string> {
  const release = parseRelease(await (await fetch(`${base}/deb/os/dists/bookworm/Release`)).text());
  return `/deb/os/dists/bookworm/main/binary-amd64/by-hash/SHA256/${release.entries.get('main/binary-amd64/Packages.xz')!.sha256}`;
}

beforeAll(async () => {
  await run('which', ['apt-get']).catch(() => {
    throw new Error('apt-get is missing: run scripts/install-deb-tools.sh');
  });
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-byhash-'));
  // nginx workers run as an unprivileged user: the state must be readable by them.
  chmodSync(tmp, 0o755);
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'debian'), [{ name: 'one', version: '1' }, { name: 'two', version: '1', depends: 'one' }], { key });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await server?.close();
  await upstream?.close();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('by-hash files of every retained snapshot, whichever way the switch went', () => {
  it('publish A, publish B, roll back to A, re-publish B: each snapshot served B and A by-hash files', async () => {
    const a = await apply(['one']);
    server = await startServer({ stateDir: state, port: 0 });
    nginx = await startNginx({ dir: tmp, serverBlock: (port) => renderNginxServerBlock({ stateDir: realpathSync(state), listen: `127.0.0.1:${port}` }) });
    const bases = [server.url, `http://127.0.0.1:${nginx.port}`];
    const aPath = await packagesXzByHash(server.url);
    const keyFile = join(tmp, 'site.asc');
    writeFileSync(keyFile, await (await fetch(`${server.url}/deb/os/archive-key.asc`)).text());

    const b = await apply(['one', 'two']);
    expect(b).not.toBe(a);
    const bPath = await packagesXzByHash(server.url);
    expect(bPath).not.toBe(aPath);
    // A client updates against B (apt fetches by hash, as Acquire-By-Hash says).
    const apt: AptRoot = await makeAptRoot({ sources: [`deb [signed-by=SIGNED_BY] ${server.url}/deb/os bookworm main`], keyFile });
    try {
      await apt.apt(['update']);
      // Rolled back (the model reverted): A is published again as it was.
      expect(await apply(['one'])).toBe(a);
      for (const base of bases) {
        for (const path of [aPath, bPath]) expect([base, path, (await fetch(`${base}${path}`)).status]).toEqual([base, path, 200]);
      }
      // apt with B's lists still reads what B's Release names (one is in both snapshots' pool).
      await apt.apt(['install', '--download-only', '-y', 'one']);
      expect(await apt.downloaded()).toEqual(['one_1_amd64.deb']);
    } finally {
      rmSync(apt.root, { recursive: true, force: true });
    }
    // Forward again: B serves A's by-hash files as well.
    expect(await apply(['one', 'two'])).toBe(b);
    for (const base of bases) for (const path of [aPath, bPath]) expect((await fetch(`${base}${path}`)).status).toBe(200);
    const body = Buffer.from(await (await fetch(`${bases[1]}${aPath}`)).arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(aPath.split('/').pop());
  }, 240_000);
});
