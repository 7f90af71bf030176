/**
 * Issue 10, "Installation": `make dist`'s tarball installs without npm. scripts/dist.sh packages
 * the build (make test builds first; alone, this test builds), the tarball is unpacked in a temp
 * folder, and its `bin/ferry` runs `--version` and `validate` of the example model with a PATH
 * that holds node and nothing else (no npm, no repository node_modules).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/run-ferry.js';

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

let tmp: string;
let ferry: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-dist-'));
  const skipBuild = process.env.FERRY_TEST_USE_DIST === '1' && existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')) ? '1' : '0';
  await run('bash', [join(REPO_ROOT, 'scripts', 'dist.sh')], { cwd: REPO_ROOT, env: { ...process.env, FERRY_DIST_SKIP_BUILD: skipBuild }, maxBuffer: 1 << 26 });
  const tarball = join(REPO_ROOT, 'dist-pkg', `ferry-${version}.tar.gz`);
  const opt = join(tmp, 'opt');
  mkdirSync(opt);
  await run('tar', ['-C', opt, '-xzf', tarball]);
  ferry = join(opt, `ferry-${version}`, 'bin', 'ferry');
  // A PATH with node alone: the unpacked tree must need nothing else.
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  env = { PATH: `${bin}:/usr/bin:/bin`, HOME: tmp, FERRY_CONFIG: '', FERRY_STATE: '' };
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('make dist (issue 10)', () => {
  it('holds the CLI, its production dependencies and the schemas, and no development tool', () => {
    const top = join(tmp, 'opt', `ferry-${version}`);
    expect(readdirSync(top).sort()).toEqual(['README.md', 'bin', 'deploy', 'dist', 'node_modules', 'package-lock.json', 'package.json', 'schemas', 'share']);
    const modules = readdirSync(join(top, 'node_modules'));
    for (const dep of ['commander', 'undici', 'yaml', 'ajv']) expect(modules).toContain(dep);
    for (const dev of ['typescript', 'jest', 'eslint', 'esbuild', 'tsx']) expect(modules).not.toContain(dev);
    expect(existsSync(join(top, 'schemas', 'ferry.schema.json'))).toBe(true);
    // The nginx configuration's njs script, where the bundled CLI looks for it (issue 13).
    expect(existsSync(join(top, 'share', 'nginx', 'ferry-registry.js'))).toBe(true);
  });

  it('runs ferry --version and ferry validate from the unpacked folder, with node alone on PATH', async () => {
    expect((await run(ferry, ['--version'], { cwd: tmp, env })).stdout.trim()).toBe(version);
    const model = join(REPO_ROOT, 'examples', 'cluster-model');
    const validate = await run(ferry, ['validate', '--model', model, '--node', 'mirror01.lab.local'], { cwd: tmp, env });
    expect(validate.stdout).toMatch(/valid, node mirror01\.lab\.local, \d+ mirrors/);
    // The printed nginx configuration names the njs script of this installation.
    for (const d of ['objects', 'snapshots']) mkdirSync(join(tmp, 'state', d), { recursive: true });
    const printed = (await run(ferry, ['nginx-config', '--state', join(tmp, 'state')], { cwd: tmp, env })).stdout;
    const script = /js_import ferry_registry from "([^"]+)";/.exec(printed)?.[1];
    expect(script).toBe(join(realpathSync(tmp), 'opt', `ferry-${version}`, 'share', 'nginx', 'ferry-registry.js'));
  }, 60_000);

  /**
   * deploy/Dockerfile without a container engine (none on the test machines): its COPY steps are
   * done into a scratch root and its install RUN step is run there (DESTDIR), so the image holds
   * what a host install holds and its ENTRYPOINT runs. The base image's own RUN (apt-get of git
   * and CA certificates, which needs the image's root and network) and USER are not executed.
   */
  it("deploy/Dockerfile's steps install the same tarball, and its entrypoint runs", async () => {
    const root = join(tmp, 'image-root');
    mkdirSync(root);
    const steps = readFileSync(join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8')
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.replace(/\$\{VERSION\}/g, version));
    let ran = 0;
    const copied: string[] = [];
    for (const step of steps) {
      const [instruction, ...rest] = step.trim().split(/\s+/);
      if (instruction === 'COPY') {
        const dest = rest.pop()!;
        mkdirSync(join(root, dest), { recursive: true });
        for (const src of rest) cpSync(join(REPO_ROOT, src), join(root, dest, basename(src)));
        copied.push(dest.replace(/\/$/, ''));
      } else if (instruction === 'RUN' && !rest[0].startsWith('apt-get')) {
        // Paths the COPY steps made are under the scratch root here.
        const command = copied.reduce((c, d) => c.split(d).join(join(root, d)), rest.join(' '));
        await run('sh', ['-c', command], { cwd: root, env: { ...env, DESTDIR: root } });
        ran++;
      }
    }
    expect(ran).toBe(1);
    const entrypoint = JSON.parse(steps.find((l) => l.startsWith('ENTRYPOINT'))!.slice('ENTRYPOINT'.length)) as string[];
    const cmd = JSON.parse(steps.find((l) => l.startsWith('CMD'))!.slice('CMD'.length)) as string[];
    expect(entrypoint).toEqual(['/opt/ferry/bin/ferry']);
    expect(readlinkSync(join(root, 'usr', 'local', 'bin', 'ferry'))).toBe('/opt/ferry/bin/ferry');
    expect(readdirSync(join(root, 'opt', 'ferry')).sort()).toEqual(readdirSync(join(tmp, 'opt', `ferry-${version}`)).sort());
    expect(existsSync(join(root, cmd[cmd.indexOf('--config') + 1]))).toBe(true);
    expect(existsSync(join(root, 'var', 'lib', 'ferry'))).toBe(true);
    expect(existsSync(join(root, 'tmp', 'ferry-install'))).toBe(false);
    expect((await run(join(root, entrypoint[0]), ['--version'], { cwd: tmp, env })).stdout.trim()).toBe(version);
  }, 60_000);
});
