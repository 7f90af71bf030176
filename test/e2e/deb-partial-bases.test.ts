/**
 * Partial mirrors complete across repositories and architectures (issue 10), judged by the real
 * apt-get: a partial base mirror and a product mirror built on it (`bases: [base]`), amd64 +
 * i386, published by `ferry apply` and served by `ferry serve`; each named package is installed
 * (download-only) from the partial mirrors alone, in a fresh apt root per package. What the
 * product's closure needs from the base upstream is published in the base mirror; a relation
 * nothing satisfies is one warning in the plan and in the apply.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { makeAptRoot } from '../helpers/deb-apt.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream, type FixturePackage } from '../helpers/deb-repo.js';
import { runFerry } from '../helpers/run-ferry.js';

const run = promisify(execFile);

const BASE: FixturePackage[] = [
  { name: 'libc6', version: '2.36-9', multiArch: 'same' },
  { name: 'libc6', version: '2.36-9', arch: 'i386', multiArch: 'same' },
  { name: 'libfoo', version: '1.3-1', depends: 'libc6' },
  { name: 'coreutils', version: '9.1-1', depends: 'libc6', priority: 'required' },
  // amd64 only, Multi-Arch: foreign: satisfies an i386 package's dependency.
  { name: 'helper-tool', version: '3.0-1', multiArch: 'foreign', depends: 'libc6' },
  { name: 'unrelated', version: '1' },
];
const PRODUCT: FixturePackage[] = [
  { name: 'product-app', version: '5.0', depends: 'libfoo (>= 1.3), product-data' },
  { name: 'product-data', version: '5.0', arch: 'all' },
  { name: 'product-32', version: '5.0', arch: 'i386', depends: 'helper-tool, libc6' },
  { name: 'product-broken', version: '5.0', depends: 'missing-everywhere (>= 2)' },
];

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;
let server: RunningServer | undefined;
let modelDir: string;
let state: string;

function indent(text: string, spaces: number): string {
  return text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

function model(): string {
  const keys = `        keys:\n          - |\n${indent(key.publicArmored, 12)}\n`;
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      base:
        kind: deb
        url: ${upstream.url}/debian
        suites: [bookworm]
        architectures: [amd64, i386]
        packages: [coreutils]
${keys}      product:
        kind: deb
        url: ${upstream.url}/product
        suites: [bookworm]
        architectures: [amd64, i386]
        packages: [product-app, product-32, product-broken]
        bases: [base]
${keys}`;
}

async function aptInstall(pkg: string): Promise<string[]> {
  const keyFile = join(tmp, 'site-key.asc');
  writeFileSync(keyFile, await (await fetch(`${server!.url}/deb/base/archive-key.asc`)).text());
  const sources = ['base', 'product'].map((m) => `deb [signed-by=SIGNED_BY] ${server!.url}/deb/${m} bookworm main`);
  const apt = await makeAptRoot({ sources, keyFile, foreign: ['i386'] });
  try {
    const update = await apt.apt(['update']);
    expect(update.stderr).not.toMatch(/^(W|E):/m);
    await apt.apt(['install', '--download-only', '--no-install-recommends', '-y', pkg]);
    return await apt.downloaded();
  } finally {
    rmSync(apt.root, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  for (const tool of ['dpkg-deb', 'gpg', 'apt-get']) {
    await run('which', [tool]).catch(() => {
      throw new Error(`${tool} is missing: run scripts/install-deb-tools.sh`);
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-debbases-'));
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'debian'), BASE, { key, architectures: ['amd64', 'i386'] });
  await makeUpstream(join(tmp, 'upstream', 'product'), PRODUCT, { key, architectures: ['amd64', 'i386'] });
  upstream = await startStaticServer(join(tmp, 'upstream'));
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model());
  state = join(tmp, 'state');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await upstream?.close();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('partial mirrors across bases and architectures, judged by apt-get', () => {
  it('plan and apply warn once about a relation nothing satisfies', async () => {
    const plan = await runFerry(['plan', '--model', modelDir, '--node', 'mirror01', '--state', state]);
    expect(plan.code).toBe(0);
    expect((plan.stdout + plan.stderr).match(/missing-everywhere/g)).toHaveLength(1);
    const applied = await runFerry(['apply', '--model', modelDir, '--node', 'mirror01', '--state', state]);
    expect(applied.code).toBe(0);
    const out = applied.stdout + applied.stderr;
    expect(out.match(/product-broken_5.0_amd64 Depends: missing-everywhere \(>= 2\)/g)).toHaveLength(1);
  }, 180_000);

  it('each named package installs from the partial mirrors alone', async () => {
    server = await startServer({ stateDir: state, port: 0 });
    expect(await aptInstall('product-app')).toEqual(['libc6_2.36-9_amd64.deb', 'libfoo_1.3-1_amd64.deb', 'product-app_5.0_amd64.deb', 'product-data_5.0_all.deb']);
    expect(await aptInstall('product-32:i386')).toEqual(['helper-tool_3.0-1_amd64.deb', 'libc6_2.36-9_amd64.deb', 'libc6_2.36-9_i386.deb', 'product-32_5.0_i386.deb']);
    expect(await aptInstall('coreutils')).toEqual(['coreutils_9.1-1_amd64.deb', 'libc6_2.36-9_amd64.deb']);
    // The base mirror holds what the product needs from it, and nothing unasked for.
    const packages = await (await fetch(`${server.url}/deb/base/dists/bookworm/main/binary-amd64/Packages`)).text();
    expect(packages.match(/^Package: .*$/gm)?.sort()).toEqual(['Package: coreutils', 'Package: helper-tool', 'Package: libc6', 'Package: libfoo']);
  }, 180_000);
});
