/**
 * Issue 10, "The state directory and configuration", through the real CLI:
 * - verbs that only read or signal refuse a folder that is not a Ferry state, and create nothing;
 * - the site's ferry.yaml (FERRY_CONFIG here; /etc/ferry/ferry.yaml by default) gives the state
 *   directory and the model source, so verbs need no flags;
 * - `ferry apply` warns while a controller manages the site and is not suspended;
 * - suspend/resume work for a uid without a passwd entry, and run as root on a state owned by
 *   the service user they leave no root-owned file behind.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEndpoint } from '../../src/controller/persisted-state.js';
import { runFerry } from '../helpers/run-ferry.js';

/** A uid and gid no passwd or group entry names (checked in beforeAll). */
const NOBODY_UID = 48_213;
const NOBODY_GID = 48_213;

let tmp: string;
let model: string;

function writeModel(dir: string): void {
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'classes'), { recursive: true });
  writeFileSync(join(dir, 'nodes', 'mirror01.yml'), 'classes: []\nparameters:\n  ferry:\n    site:\n      name: lab\n    mirrors: {}\n');
}

/** Every path below `dir` whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path, { throwIfNoEntry: false })?.uid !== uid && statSync(path, { throwIfNoEntry: false }) !== undefined) out.push(name);
  }
  return out;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-cli-site-'));
  chmodSync(tmp, 0o755);
  model = join(tmp, 'model');
  writeModel(model);
  if (process.getuid?.() !== 0) throw new Error('these tests run as root (they switch to a service uid): run them as `make test` does');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('verbs that read or signal need an existing state (issue 10)', () => {
  const verbs = [['suspend'], ['resume'], ['fsck'], ['gc'], ['history'], ['events'], ['rollback'], ['reconcile'], ['nginx-config'], ['serve', '--listen', '127.0.0.1:0']];

  it.each(verbs)('ferry %s refuses a folder that does not exist and creates nothing', async (...args) => {
    const missing = join(tmp, `missing-${args[0]}`);
    const r = await runFerry([...args, '--state', missing]);
    expect({ code: r.code, err: r.stderr }).toEqual({ code: 2, err: expect.stringContaining(`${missing} (from --state) does not exist`) });
    expect(existsSync(missing)).toBe(false);
  });

  it('ferry suspend refuses a folder that is not a state (cd ~ && ferry suspend), and writes nothing into it', async () => {
    const home = join(tmp, 'home');
    mkdirSync(join(home, 'ferry-state'), { recursive: true });
    const r = await runFerry(['suspend'], { cwd: home, env: { FERRY_CONFIG: '', FERRY_STATE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a Ferry state directory');
    expect(r.stderr).toContain('the default ./ferry-state');
    expect(readdirSync(join(home, 'ferry-state'))).toEqual([]);
  });

  it('ferry plan on a state that does not exist yet plans against nothing published, and creates nothing', async () => {
    const missing = join(tmp, 'missing-plan');
    const r = await runFerry(['plan', '--model', model, '--state', missing]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('published: nothing yet');
    expect(existsSync(missing)).toBe(false);
  });
});

describe('the site configuration (FERRY_CONFIG, default /etc/ferry/ferry.yaml)', () => {
  let config: string;
  let state: string;
  const elsewhere = () => ({ cwd: tmpdir(), env: { FERRY_CONFIG: config, FERRY_STATE: '' } });

  beforeAll(() => {
    state = join(tmp, 'site-state');
    config = join(tmp, 'ferry.yaml');
    writeFileSync(config, `stateDir: ${state}\nnode: mirror01\nsource:\n  dir: ${model}\nlisten:\n  host: 127.0.0.1\n  port: 0\n`);
  });

  it('apply, history and suspend need no flags', async () => {
    const apply = await runFerry(['apply'], elsewhere());
    expect({ code: apply.code, out: apply.stdout }).toEqual({ code: 0, out: expect.stringContaining('published ') });
    expect(existsSync(join(state, 'current'))).toBe(true);
    const history = await runFerry(['history', '--json'], elsewhere());
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toHaveLength(1);
    expect((await runFerry(['suspend', '--reason', 'maintenance'], elsewhere())).code).toBe(0);
    expect(existsSync(join(state, 'suspended.json'))).toBe(true);
    expect((await runFerry(['resume'], elsewhere())).code).toBe(0);
    expect(existsSync(join(state, 'suspended.json'))).toBe(false);
  });

  it('ferry status asks the controller at ferry.yaml\'s listen address when controller.json cannot be read', async () => {
    const server = createServer((req, res) => res.end(req.url === '/status' ? '{"from":"listen address"}' : ''));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const withListen = join(tmp, 'ferry-listen.yaml');
    writeFileSync(withListen, `stateDir: ${state}\nsource:\n  dir: ${model}\nlisten:\n  host: 0.0.0.0\n  port: ${port}\n`);
    try {
      const r = await runFerry(['status', '--json'], { cwd: tmpdir(), env: { FERRY_CONFIG: withListen, FERRY_STATE: '' } });
      expect({ code: r.code, out: JSON.parse(r.stdout || '{}') }).toEqual({ code: 0, out: { from: 'listen address' } });
    } finally {
      server.close();
    }
  });

  it('--state and FERRY_STATE win over ferry.yaml', async () => {
    const other = join(tmp, 'not-a-state');
    const r = await runFerry(['history'], { cwd: tmpdir(), env: { FERRY_CONFIG: config, FERRY_STATE: other } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${other} (from FERRY_STATE) does not exist`);
  });

  it('a FERRY_CONFIG that cannot be read is an error naming it', async () => {
    const r = await runFerry(['history'], { cwd: tmpdir(), env: { FERRY_CONFIG: join(tmp, 'nope.yaml'), FERRY_STATE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read ${join(tmp, 'nope.yaml')}`);
  });

  it('apply warns while a controller manages the state, and not once it is suspended', async () => {
    await writeEndpoint(state, { pid: process.pid, url: 'http://127.0.0.1:1', token: 't', startedAt: new Date().toISOString() });
    try {
      const r = await runFerry(['apply'], elsewhere());
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`warning: a controller (ferry run, pid ${process.pid}, http://127.0.0.1:1) manages`);
      expect(r.stderr).toContain('ferry suspend');
      expect((await runFerry(['suspend'], elsewhere())).code).toBe(0);
      const quiet = await runFerry(['apply'], elsewhere());
      expect(quiet.stderr).not.toContain('warning: a controller');
    } finally {
      rmSync(join(state, 'controller.json'), { force: true });
      await runFerry(['resume'], elsewhere());
    }
  });
});

describe('users: a uid without a passwd entry, and root on the service user\'s state', () => {
  let state: string;

  beforeAll(async () => {
    const passwd = await import('node:fs').then((fs) => fs.readFileSync('/etc/passwd', 'utf8'));
    if (passwd.split('\n').some((l) => l.split(':')[2] === String(NOBODY_UID))) throw new Error(`uid ${NOBODY_UID} has a passwd entry here; pick another in this test`);
    state = join(tmp, 'service-state');
    const r = await runFerry(['apply', '--model', model, '--state', state]);
    expect(r.code).toBe(0);
    for (const name of ['', ...(readdirSync(state, { recursive: true }) as string[])]) chownSync(join(state, name), NOBODY_UID, NOBODY_GID);
  });

  it('suspend and resume run as a uid with no passwd entry (no uv_os_get_passwd crash)', async () => {
    const as = { uid: NOBODY_UID, gid: NOBODY_GID, env: { USER: '', LOGNAME: '', HOME: tmp } };
    const suspend = await runFerry(['suspend', '--state', state, '--reason', 'test'], as);
    expect({ code: suspend.code, err: suspend.stderr }).toEqual({ code: 0, err: '' });
    const events = await runFerry(['events', '--state', state, '--json'], as);
    expect(events.stdout).toContain(`"by":"ferry suspend (uid ${NOBODY_UID})"`);
    expect((await runFerry(['resume', '--state', state], as)).code).toBe(0);
  });

  it('run as root, suspend, resume, rollback, apply and gc leave every file to the state folder\'s owner', async () => {
    const [snapshot] = readdirSync(join(state, 'snapshots'));
    for (const args of [['suspend'], ['apply', '--model', model], ['resume'], ['rollback', '--no-suspend', snapshot], ['gc'], ['fsck']]) {
      const r = await runFerry([...args, '--state', state]);
      expect({ args, code: r.code, err: r.stderr }).toEqual({ args, code: 0, err: '' });
    }
    expect(notOwnedBy(state, NOBODY_UID)).toEqual([]);
  });
});
