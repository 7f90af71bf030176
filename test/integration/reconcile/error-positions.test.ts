/**
 * Issue 10: errors a run raises about a mirror (a suite upstream answers 404 for, a package
 * that is not there, a version no parser accepts, a download that fails) name the mirror and
 * the file:line where the model defines it, as validate names the line of a bad value. The
 * mirrors are defined in class files of a real model, the upstream is a generated Debian
 * repository and files on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFerryErrors, type FerryError } from '../../../src/core/ferry-error.js';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';
import { makeGpgKey, type GpgKey } from '../../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../../helpers/deb-http.js';
import { makeUpstream } from '../../helpers/deb-repo.js';

let tmp: string;
let key: GpgKey;
let upstream: StaticServer;

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

/** A class file holding one mirror (after a few lines of comments, so its line is not 1). */
function mirrorClass(name: string, body: string): string {
  return `# Mirrors of the lab.\n# (kept in Git)\nparameters:\n  ferry:\n    mirrors:\n      ${name}:\n${indent(body, 8)}\n`;
}

function debMirror(suite: string, extra: string): string {
  return `kind: deb\nurl: ${upstream.url}/debian\nsuites: [${suite}]\ncomponents: [main]\narchitectures: [amd64]\nkeys:\n  - |\n${indent(key.publicArmored, 4)}\n${extra}`;
}

async function failure(cls: string, text: string): Promise<FerryError[]> {
  const model = new Map([
    ['nodes/mirror01.yml', `classes:\n  - ${cls.replace(/\//g, '.').replace(/\.yml$/, '').replace(/^classes\./, '')}\nparameters:\n  ferry:\n    site:\n      name: lab\n`],
    [cls, text],
  ]);
  const state = mkdtempSync(join(tmp, 'state-'));
  const fetcher = createHttpFetcher({ retries: 0, backoffMs: 10 });
  try {
    await reconcile({ stateDir: state, model, fetcher });
  } catch (e) {
    return toFerryErrors(e);
  } finally {
    await fetcher.close();
  }
  throw new Error('the apply succeeded; expected a failure');
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-error-positions-'));
  key = await makeGpgKey();
  await makeUpstream(join(tmp, 'upstream', 'debian'), [
    { name: 'app', version: '1.0-1', depends: 'libfoo' },
    { name: 'libfoo', version: '1.0-1' },
    { name: 'broken', version: '1.0-1', depends: 'libfoo (>= )' },
  ], { key, real: false });
  mkdirSync(join(tmp, 'upstream', 'files'));
  writeFileSync(join(tmp, 'upstream', 'files', 'tool.tar.gz'), 'tool\n');
  upstream = await startStaticServer(join(tmp, 'upstream'));
}, 60_000);

afterAll(async () => {
  await upstream?.close();
  await key?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Line 6 of each class file is `      <name>:`, its definition; line 7 its first field.
const cases: Array<[string, string, string, string, string, RegExp]> = [
  ['a suite upstream answers 404 for', 'classes/lab/debian.yml', 'debian', 'nosuch', '', /404/],
  ['a package that is not there', 'classes/lab/partial.yml', 'partial', 'bookworm', 'packages: [no-such-package]', /no package matches "no-such-package"/],
  ['a version no parser accepts (`libfoo (>= )`)', 'classes/lab/broken.yml', 'broken', 'bookworm', 'packages: [broken]\nwith_deps: true', /version|relation/i],
];

describe('runtime errors name the mirror and its definition (issue 10)', () => {
  it.each(cases)('%s', async (_what, cls, name, suite, extra, words) => {
    const errors = await failure(cls, mirrorClass(name, debMirror(suite, extra)));
    const mine = errors.filter((e) => e.data.resource === `deb/${name}`);
    expect(mine.length).toBeGreaterThan(0);
    for (const e of mine) {
      expect({ file: e.data.file, line: e.data.line }).toEqual({ file: cls, line: expect.any(Number) });
      expect([6, 7]).toContain(e.data.line);
      expect(e.describe()).toMatch(new RegExp(`^${cls.replace(/[./]/g, '\\$&')}:[67]:\\d+: (deb/)?${name}: `));
    }
    expect(mine.map((e) => e.message).join('\n')).toMatch(words);
  }, 60_000);

  it('a failing download', async () => {
    const cls = 'classes/lab/tools.yml';
    const body = `kind: file\nfiles:\n  - url: ${upstream.url}/files/missing.tar.gz\n    sha256: ${'a'.repeat(64)}\n    size: 5\n    path: missing.tar.gz`;
    const errors = await failure(cls, mirrorClass('tools', body));
    expect(errors).toHaveLength(1);
    const [e] = errors;
    expect(e.data).toMatchObject({ resource: 'file/tools', file: cls });
    expect([6, 7]).toContain(e.data.line);
    expect(e.describe()).toMatch(/^classes\/lab\/tools\.yml:[67]:\d+: file\/tools: .*404.*missing\.tar\.gz/);
  }, 60_000);
});
