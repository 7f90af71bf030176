/**
 * The hostile corpus through the real CLI. Each input must be refused with an error that names
 * it, within seconds, publishing nothing:
 * - model bombs (`ferry apply`: exit 2, FERRY_MODEL_TOO_LARGE);
 * - index bombs from a signed upstream (xz of 6.8 M stanzas, xz of 1 GiB of NULs, gz of 256 MiB:
 *   FERRY_INDEX_TOO_LARGE);
 * - traversal in index paths (a Packages Filename of `../`, absolute, `pool/../../`) and in a
 *   file mirror's path: FERRY_UNSAFE_PATH or the schema;
 * - symlinks in the model: out of a Git repository, loops in a checkout and in Git;
 * - bad signatures: InRelease signed by another key, tampered after signing, unsigned;
 * - webhooks to `ferry run`: forged (Gerrit token, GitHub HMAC, none) answered 401, oversized
 *   bodies 413, a flood of forged ones, while /healthz and the mirror keep answering and
 *   nothing is triggered.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { xzBytes } from '../../src/compression/compression.js';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { nulBombXz, stanzaBombGz, stanzaBombXz, writeBombArchive } from '../helpers/index-bombs.js';
import { dictReferenceBomb, stringReferenceBomb, yamlAliasBomb } from '../helpers/model-bombs.js';
import { currentSnapshot, ferry, firstLine, generated, listen, sha256, startController, Temp, writeFileModel, type Controller, type HttpServer, type Run } from './kit.js';
import type { Area, Trial, TrialResult } from './trial.js';

const BOMBS: Array<[string, string]> = [
  ['YAML alias bomb (8 levels of 9 aliases)', yamlAliasBomb()],
  ['string doubled by references (2^40)', stringReferenceBomb()],
  ['dictionaries copied by references (2^40)', dictReferenceBomb()],
];

const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const stanza = (name: string, filename: string) => `Package: ${name}\nVersion: 1.0\nArchitecture: amd64\nFilename: ${filename}\nSize: 10\nSHA256: ${'a'.repeat(64)}\nDescription: x\n\n`;

function errorsOf(r: Run): Array<{ code: string; message: string }> {
  try {
    return (JSON.parse(r.stdout) as { errors?: Array<{ code: string; message: string }> }).errors ?? [];
  } catch {
    return [];
  }
}

/** A refusal: the exit code, an error code and message pattern, nothing published, in time. */
function refused(r: Run, o: { state: string; exit: number; code: RegExp; message?: RegExp; withinMs?: number }, strip = ''): TrialResult {
  const errors = errorsOf(r);
  const all = errors.map((e) => `${e.code}: ${e.message}`).join(' / ') || firstLine(r);
  const shown = (errors[0] ? `${errors[0].code}: ${errors[0].message}` : firstLine(r)).split(strip || '\u0000').join('UPSTREAM');
  const problems: string[] = [];
  if (r.code !== o.exit) problems.push(`exit ${r.code} (expected ${o.exit})`);
  if (!errors.some((e) => o.code.test(e.code)) && !o.code.test(`${r.stderr}${r.stdout}`)) problems.push(`no ${o.code} error`);
  if (o.message && !o.message.test(all)) problems.push(`the error does not say ${o.message}`);
  if (currentSnapshot(o.state)) problems.push('a snapshot was published');
  if (r.ms > (o.withinMs ?? 30_000)) problems.push(`took ${r.ms} ms`);
  const detail = `exit ${r.code}: ${shown.length > 140 ? `${shown.slice(0, 140)}…` : shown}`;
  return problems.length ? { ok: false, detail: `${problems.join('; ')}: ${detail}` } : { ok: true, detail, figure: `refused in ${r.ms} ms` };
}

export const hostileArea: Area = {
  name: 'hostile',
  async trials({ quick }) {
    const temp = new Temp('hostile');
    let n = 0;
    const fresh = () => {
      const i = n++;
      return { model: temp.dir(`m${i}`), state: join(temp.root, `s${i}`) };
    };
    const trials: Trial[] = [];
    const add = (name: string, run: () => Promise<TrialResult>, inQuick = false) => {
      if (!quick || inQuick) trials.push({ area: 'hostile', name, run });
    };

    // Model bombs.
    BOMBS.forEach(([name, text], i) =>
      add(
        `model: ${name}`,
        async () => {
          const { model, state } = fresh();
          mkdirSync(join(model, 'nodes'), { recursive: true });
          writeFileSync(join(model, 'nodes', 'n1.yml'), text);
          const r = await ferry(['apply', '--model', model, '--state', state, '--json']);
          return refused(r, { state, exit: 2, code: /FERRY_MODEL_TOO_LARGE/, withinMs: 60_000 });
        },
        i === 0,
      ),
    );

    // A signed upstream on 127.0.0.1 for the index trials (made lazily: the quick subset needs few).
    let key: GpgKey | undefined;
    let other: GpgKey | undefined;
    let upstream: StaticServer | undefined;
    const upstreamRoot = temp.dir('upstream');
    const archives = new Map<string, () => Promise<void>>();
    const archive = (name: string, write: (dir: string, k: GpgKey) => Promise<void>) => archives.set(name, async () => write(join(upstreamRoot, name), key!));
    const ready = async () => {
      if (upstream) return upstream;
      key = await makeGpgKey();
      other = await makeGpgKey('Someone Else');
      for (const [name, write] of archives) if (trials.some((t) => t.name.includes(`[${name}]`))) await write();
      upstream = await startStaticServer(upstreamRoot);
      return upstream;
    };
    const debApply = async (name: string, extra: { site?: string } = {}) => {
      const server = await ready();
      const { model, state } = fresh();
      mkdirSync(join(model, 'nodes'), { recursive: true });
      writeFileSync(
        join(model, 'nodes', 'n1.yml'),
        `parameters:\n  ferry:\n    site:\n      name: lab\n${extra.site ?? ''}    mirrors:\n      os:\n        kind: deb\n        url: ${server.url}/${name}\n        suites: [bookworm]\n        components: [main]\n        architectures: [amd64]\n        keys:\n          - |\n${indent(key!.publicArmored, 12)}\n`,
      );
      const r = await ferry(['apply', '--model', model, '--state', state, '--json'], { timeoutMs: 120_000 });
      return { r, state, url: server.url };
    };
    const debTrial = (title: string, name: string, write: (dir: string, k: GpgKey) => Promise<void>, expect: { code: RegExp; message?: RegExp; withinMs?: number }, inQuick = false) => {
      archive(name, write);
      add(
        `${title} [${name}]`,
        async () => {
          const { r, state, url } = await debApply(name);
          return refused(r, { state, exit: 1, ...expect }, url);
        },
        inQuick,
      );
    };

    // Index bombs from a signed upstream.
    debTrial('index bomb: Packages.xz of 355 KB, 6.8 M stanzas', 'xz-stanzas', async (d, k) => writeBombArchive(d, k, 'Packages.xz', await stanzaBombXz()), { code: /FERRY_INDEX_TOO_LARGE/, message: /index_expansion|decompresses to more than/, withinMs: 30_000 });
    debTrial('index bomb: Packages.xz of 1 GiB of NULs', 'xz-nuls', async (d, k) => writeBombArchive(d, k, 'Packages.xz', await nulBombXz()), { code: /FERRY_INDEX_TOO_LARGE/, withinMs: 30_000 });
    debTrial('index bomb: Packages.gz of 256 MiB of stanzas', 'gz', async (d, k) => writeBombArchive(d, k, 'Packages.gz', stanzaBombGz(256)), { code: /FERRY_INDEX_TOO_LARGE/, withinMs: 30_000 });

    // Traversal in index paths.
    const traversal: Array<[string, string]> = [
      ['../', '../../../../etc/passwd'],
      ['absolute', '/etc/passwd'],
      ['pool/../../', 'pool/main/e/evil/../../../../../../root/.ssh/authorized_keys'],
    ];
    traversal.forEach(([what, filename], i) =>
      debTrial(`traversal: Packages Filename ${what}`, `traversal-${i}`, async (d, k) => writeBombArchive(d, k, 'Packages.xz', await xzBytes(Buffer.from(stanza('evil', filename)))), { code: /FERRY_UNSAFE_PATH/, message: /unsafe path/ }, i === 0),
    );
    add('traversal: a file mirror path ../../etc/cron.d/evil', async () => {
      const { model, state } = fresh();
      writeFileModel(model, { files: [{ url: 'http://127.0.0.1:9/x', sha256: 'a'.repeat(64), path: '../../etc/cron.d/evil' }] });
      const r = await ferry(['apply', '--model', model, '--state', state, '--json']);
      return refused(r, { state, exit: 2, code: /FERRY_SCHEMA|FERRY_UNSAFE_PATH/, message: /files\.0\.path: must match|unsafe path/ });
    });

    // Bad signatures.
    const plain = async () => xzBytes(Buffer.from(stanza('one', 'pool/main/o/one/one_1.0_amd64.deb')));
    debTrial('bad signature: InRelease signed by another key', 'other-key', async (d) => writeBombArchive(d, other!, 'Packages.xz', await plain()), { code: /FERRY_BAD_SIGNATURE/, message: /not signed by a trusted key|signature/ }, true);
    debTrial(
      'bad signature: InRelease changed after signing',
      'tampered',
      async (d, k) => {
        await writeBombArchive(d, k, 'Packages.xz', await plain());
        const inRelease = join(d, 'dists', 'bookworm', 'InRelease');
        writeFileSync(inRelease, readFileSync(inRelease, 'utf8').replace('Origin: Bomb', 'Origin: Bonb'));
      },
      { code: /FERRY_BAD_SIGNATURE/, message: /signature/ },
    );
    debTrial(
      'bad signature: unsigned (Release only)',
      'unsigned',
      async (d, k) => {
        await writeBombArchive(d, k, 'Packages.xz', await plain());
        execFileSync('rm', ['-f', join(d, 'dists', 'bookworm', 'InRelease')]);
      },
      { code: /FERRY_BAD_SIGNATURE|FERRY_HTTP_STATUS|FERRY_NETWORK/, message: /InRelease|Release.gpg|signature|404/ },
    );

    // Symlinks in the model.
    const gitModel = (build: (dir: string) => void) => {
      const dir = temp.dir(`git${n++}`);
      build(dir);
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: dir, stdio: 'pipe' });
      git('init', '-q', '-b', 'main');
      git('add', '-A');
      git('commit', '-qm', 'model');
      return dir;
    };
    const outside = join(temp.root, 'outside.yml');
    writeFileSync(outside, 'parameters:\n  secret: from outside the repository\n');
    add('symlink: a Git model file linking out of the repository', async () => {
      const dir = gitModel((d) => {
        mkdirSync(join(d, 'nodes'), { recursive: true });
        symlinkSync(outside, join(d, 'nodes', 'n1.yml'));
      });
      const state = join(temp.root, `s${n++}`);
      const r = await ferry(['apply', '--repo', dir, '--ref', 'main', '--state', state, '--json']);
      return refused(r, { state, exit: 2, code: /FERRY_INVALID_MODEL/, message: /points outside the repository/ });
    }, true);
    add('symlink: a Git model whose links loop', async () => {
      const dir = gitModel((d) => {
        mkdirSync(join(d, 'nodes'), { recursive: true });
        symlinkSync('b.yml', join(d, 'nodes', 'a.yml'));
        symlinkSync('a.yml', join(d, 'nodes', 'b.yml'));
      });
      const state = join(temp.root, `s${n++}`);
      const r = await ferry(['apply', '--repo', dir, '--ref', 'main', '--state', state, '--json']);
      return refused(r, { state, exit: 2, code: /FERRY_INVALID_MODEL/, message: /symlink loop/ });
    });
    add('symlink: a checkout whose class folder links to its parent', async () => {
      const { model, state } = fresh();
      writeFileModel(model, { files: [{ url: 'http://127.0.0.1:9/x', sha256: 'a'.repeat(64), path: 'x' }] });
      mkdirSync(join(model, 'classes'), { recursive: true });
      symlinkSync('..', join(model, 'classes', 'loop'));
      const r = await ferry(['apply', '--model', model, '--state', state, '--json']);
      return refused(r, { state, exit: 2, code: /FERRY_INVALID_MODEL/, message: /symlink loop/ });
    });

    // Webhooks to `ferry run`: a controller that serves a file mirror from a local checkout.
    let controller: Controller | undefined;
    let mirror: HttpServer | undefined;
    const GERRIT_TOKEN = 'gerrit-token-for-the-torture-suite';
    const GITHUB_SECRET = 'github-secret-for-the-torture-suite';
    const LIMIT = 64 * 1024;
    const served = '/file/media/f0';
    const controlled = async () => {
      if (controller) return controller;
      mirror = await listen((_q, res) => void res.writeHead(200).end(generated('hook file', 4096)));
      const { model, state } = fresh();
      writeFileModel(model, { files: [{ url: `${mirror.url}/f0`, sha256: sha256(generated('hook file', 4096)), path: 'f0' }] });
      writeFileSync(join(temp.root, 'gerrit-token'), GERRIT_TOKEN, { mode: 0o600 });
      writeFileSync(join(temp.root, 'github-secret'), GITHUB_SECRET, { mode: 0o600 });
      const config = join(temp.root, 'ferry.yaml');
      writeFileSync(
        config,
        [
          `stateDir: ${state}`,
          `source: {dir: ${model}}`,
          'listen: {host: 127.0.0.1, port: 0}',
          'poll: {interval: 1h, jitter: 0}',
          `webhooks: {gerrit: {tokenFile: ${join(temp.root, 'gerrit-token')}}, github: {secretFile: ${join(temp.root, 'github-secret')}}, maxBodyBytes: ${LIMIT}}`,
          '',
        ].join('\n'),
      );
      controller = await startController(config, state);
      const c = controller;
      await waitForServed(c);
      return c;
    };
    const waitForServed = async (c: Controller) => {
      const end = Date.now() + 60_000;
      while ((await fetch(`${c.url}${served}`).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() > end) throw new Error(`the controller never served ${served}: ${c.log().slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    /** Sum of the /metrics samples whose line starts with `prefix`. */
    const metric = async (c: Controller, prefix: string) =>
      (await (await fetch(`${c.url}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith(prefix))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    /** Webhooks taken as authentic (accepted or ignored), and reconcile runs. */
    const counters = async (c: Controller) => ({
      authentic: (await metric(c, 'ferry_webhook_requests_total{provider="gerrit",result="accepted"}')) + (await metric(c, 'ferry_webhook_requests_total{provider="gerrit",result="ignored"}')) + (await metric(c, 'ferry_webhook_requests_total{provider="github",result="accepted"}')) + (await metric(c, 'ferry_webhook_requests_total{provider="github",result="ignored"}')),
      runs: await metric(c, 'ferry_reconcile_duration_seconds_count'),
    });
    const post = (c: Controller, path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
      fetch(`${c.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        (e: Error) => `${e.message} (${String((e.cause as Error | undefined)?.message ?? '')})`,
      );
    /**
     * An oversized body sent as a client that reads the answer while it uploads (curl, Gerrit's
     * HTTP client): chunks of 64 KiB, stopping at the first answer. (fetch() uploads the whole
     * body first, and the server's reset after its 413 can reach it before the 413 does.)
     */
    const postBig = (c: Controller, path: string, size: number) =>
      new Promise<number | string>((resolve) => {
        const req = httpRequest(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } });
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (e) => resolve(answered ? 0 : `${e.message} before any answer`));
        void (async () => {
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          for (let sent = 0; sent < size && !answered && !req.destroyed; sent += chunk.length) {
            if (!req.write(chunk)) {
              await new Promise<void>((r) => {
                const done = () => (req.off('drain', done).off('close', done), r());
                req.once('drain', done).once('close', done);
              });
            }
          }
          if (!answered && !req.destroyed) req.end();
        })();
      });
    const refUpdated = JSON.stringify({ type: 'ref-updated', refUpdate: { refName: 'refs/heads/main', newRev: 'f'.repeat(40), project: 'model' } });
    const hookTrial = (name: string, send: (c: Controller) => Promise<Array<number | string>>, expected: number, inQuick = false) =>
      add(
        `webhook: ${name}`,
        async () => {
          const c = await controlled();
          const before = await counters(c);
          const t0 = Date.now();
          const statuses = await send(c);
          const ms = Date.now() - t0;
          const health = await fetch(`${c.url}/healthz`).then((r) => r.status, () => 0);
          const file = await fetch(`${c.url}${served}`).then((r) => r.status, () => 0);
          const wrong = statuses.filter((s) => s !== expected);
          const problems: string[] = [];
          if (wrong.length) problems.push(`${wrong.length} of ${statuses.length} answered ${[...new Set(wrong)].join(', ')} (expected ${expected})`);
          if (health !== 200 || file !== 200 || !c.alive()) problems.push(`after: /healthz ${health}, ${served} ${file}, alive ${c.alive()}`);
          const after = await counters(c);
          if (after.authentic !== before.authentic) problems.push(`${after.authentic - before.authentic} taken as authentic`);
          if (after.runs !== before.runs) problems.push(`${after.runs - before.runs} run(s) started`);
          if (c.log().includes(GERRIT_TOKEN) || c.log().includes(GITHUB_SECRET)) problems.push('a secret is in the log');
          return problems.length
            ? { ok: false, detail: problems.join('; ') }
            : { ok: true, detail: `${statuses.length} × ${expected}; /healthz and the mirror 200 after, no run triggered, pid ${c.pid} alive`, figure: `${ms} ms for ${statuses.length}` };
        },
        inQuick,
      );
    hookTrial('Gerrit, wrong token', async (c) => [await post(c, '/hooks/gerrit/not-the-token', refUpdated)], 401, true);
    hookTrial('Gerrit, token one character off', async (c) => [await post(c, `/hooks/gerrit/${GERRIT_TOKEN.slice(0, -1)}X`, refUpdated)], 401);
    hookTrial('GitHub, HMAC of another secret', async (c) => [await post(c, '/hooks/github', refUpdated, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'guess').update(refUpdated).digest('hex')}` })], 401);
    hookTrial('GitHub, no signature', async (c) => [await post(c, '/hooks/github', refUpdated, { 'x-github-event': 'push' })], 401);
    // The controller answers 413, then reads and discards the rest of the upload for a while
    // before closing (a lingering close, as nginx's): a client still uploading reads the 413, not
    // a reset (closing at once gave a reset in 10-18 of 20 tries).
    add(`webhook: oversized body (8 MiB, limit ${LIMIT / 1024} KiB) with the right token, 20 times`, async () => {
      const c = await controlled();
      const before = await counters(c);
      const t0 = Date.now();
      const answers: Array<number | string> = [];
      for (let i = 0; i < 20; i++) answers.push(await postBig(c, `/hooks/gerrit/${GERRIT_TOKEN}`, 8 << 20));
      const ms = Date.now() - t0;
      const after = await counters(c);
      const answered413 = answers.filter((a) => a === 413).length;
      const reset = answers.filter((a) => typeof a === 'string' && /ECONNRESET|EPIPE|socket hang up/.test(a)).length;
      const health = await fetch(`${c.url}/healthz`).then((r) => r.status, () => 0);
      const problems: string[] = [];
      if (answered413 !== answers.length) problems.push(`answers other than 413: ${[...new Set(answers.filter((a) => a !== 413))].join(', ')} (${reset} resets)`);
      if (after.authentic !== before.authentic || after.runs !== before.runs) problems.push('a body past the limit was taken as a webhook');
      if (health !== 200 || !c.alive()) problems.push(`/healthz ${health}, alive ${c.alive()}`);
      return problems.length
        ? { ok: false, detail: problems.join('; ') }
        : { ok: true, detail: `every body refused with a 413 the uploading client read; nothing triggered, /healthz 200`, figure: `413 read by the client in ${answered413}/20; ${Math.round(ms / 20)} ms each` };
    }, true);
    hookTrial('oversized body to GitHub, gzip (16 MiB of zeros in 16 KiB)', async (c) => [await post(c, '/hooks/github', gzipSync(Buffer.alloc(16 << 20)), { 'x-github-event': 'push', 'content-encoding': 'gzip', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) })], 401);
    hookTrial('a flood of 300 forged webhooks, 30 at a time', async (c) => {
      const out: Array<number | string> = [];
      for (let i = 0; i < 10; i++) out.push(...(await Promise.all(Array.from({ length: 30 }, (_, j) => post(c, `/hooks/gerrit/forged-${i}-${j}`, refUpdated)))));
      return out;
    }, 401);
    add('webhook: (control) the right Gerrit token is accepted', async () => {
      const c = await controlled();
      const before = await counters(c);
      const status = await post(c, `/hooks/gerrit/${GERRIT_TOKEN}`, refUpdated);
      const after = await counters(c);
      const ok = status === 202 && after.authentic === before.authentic + 1;
      return { ok, detail: `answered ${status}, counted as authentic (ferry_webhook_requests_total): the 401s above are the secret's doing, not a missing route` };
    }, true);

    return {
      trials,
      cleanup: async () => {
        await controller?.stop();
        await mirror?.close();
        await upstream?.close();
        await key?.destroy();
        await other?.destroy();
        if (existsSync(temp.root)) temp.remove();
      },
    };
  },
};
