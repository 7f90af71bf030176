/**
 * Planted secrets: an upstream password (in a mirror URL of the model, the upstream asks for
 * Basic auth) and webhook secrets (a Gerrit token and a GitHub secret, in files ferry.yaml
 * names). The real CLI and `ferry run` go through publishes, failures (503, 404, a wrong
 * password) and webhooks (right and wrong); then every form of each secret (as written, URL-
 * encoded, the base64 Authorization value) is searched for in every output and log line, every
 * file of the state directory (manifests, history, events, status, locks) and every page of the
 * controller (/status, /, /metrics, /readyz). 0 hits.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ferry, generated, listen, sha256, startController, Temp, waitFor, writeFileModel, type FileEntry } from './kit.js';
import type { Area, Trial, TrialResult } from './trial.js';

const USER = 'mirror-bot';
/** Random each run, with characters a URL must encode. */
const PASSWORD = `Upstream-Pw:${Math.random().toString(36).slice(2, 10)}@#!`;
const GERRIT_TOKEN = `gerrit-${Math.random().toString(36).slice(2, 14)}`;
const GITHUB_SECRET = `github-${Math.random().toString(36).slice(2, 14)}`;

/** Every form a secret could be written in. */
function forms(): Array<[string, string]> {
  const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  return [
    ['the upstream password', PASSWORD],
    ['the upstream password, URL-encoded', encodeURIComponent(PASSWORD)],
    ['the Authorization header value', basic],
    ['the Gerrit token', GERRIT_TOKEN],
    ['the GitHub secret', GITHUB_SECRET],
  ];
}

/** Every file under `dir` (symlinks not followed), with its text. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size < 64 << 20) out.push([p, readFileSync(p, 'latin1')]);
    }
  };
  walk(dir);
  return out;
}

export const secretsArea: Area = {
  name: 'secrets',
  async trials({ quick }) {
    const temp = new Temp('secrets');
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const server = await listen((req, res) => {
      if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="mirror"' }).end();
      const m = /^\/s\/(ok|busy|gone)\/(\w+)$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      if (m[1] === 'busy') return void res.writeHead(503).end();
      if (m[1] === 'gone') return void res.writeHead(404).end();
      const data = generated(`secret ${m[2]}`, 20_000);
      res.writeHead(200, { 'content-length': data.length }).end(data);
    });
    const authority = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    const file = (what: 'ok' | 'busy' | 'gone', name: string, password = true): FileEntry => ({
      url: `http://${password ? authority : `${USER}:wrong-password@127.0.0.1:${server.port}`}/s/${what}/${name}`,
      sha256: sha256(generated(`secret ${name}`, 20_000)),
      path: name,
    });
    const site = ['transport: {attempts: 2}'];
    const model = temp.dir('model');
    const state = join(temp.root, 'state');
    const outputs: Array<[string, string]> = [];
    const run = async (what: string, args: string[]) => {
      const r = await ferry(args, { env: { FERRY_LOG_LEVEL: 'debug' } });
      outputs.push([`${what}: stdout`, r.stdout], [`${what}: stderr`, r.stderr]);
      return r;
    };
    const good = [file('ok', 'a'), file('ok', 'b')];

    const hits = (texts: Array<[string, string]>): string[] => {
      const found: string[] = [];
      for (const [where, text] of texts) for (const [name, secret] of forms()) if (text.includes(secret)) found.push(`${name} in ${where}`);
      return found;
    };

    const trials: Trial[] = [];
    const add = (name: string, fn: () => Promise<TrialResult>) => trials.push({ area: 'secrets', name, run: fn });
    // The CLI: a publish with the password, failures that print the URLs, then every verb that reads the state.
    add(quick ? 'the CLI: apply, a failed apply (503), history, status' : 'the CLI: apply, failed applies (503, 404, wrong password), plan, validate, history, fsck, gc, status, events', async () => {
      writeFileModel(model, { files: good, site });
      const published = await run('apply', ['apply', '--model', model, '--state', state]);
      if (published.code !== 0) return { ok: false, detail: `the first apply: exit ${published.code}: ${published.stderr.slice(0, 200)}` };
      await run('apply --json', ['apply', '--model', model, '--state', state, '--json', '--refresh']);
      const failures: string[] = [];
      const failing = [['503', file('busy', 'c')], ['404', file('gone', 'd')], ['wrong password', file('ok', 'e', false)]] as const;
      for (const [name, entry] of quick ? failing.slice(0, 1) : failing) {
        writeFileModel(model, { files: [...good, entry], site });
        const human = await run(`apply (${name})`, ['apply', '--model', model, '--state', state]);
        const json = await run(`apply --json (${name})`, ['apply', '--model', model, '--state', state, '--json']);
        if (human.code === 0 || json.code === 0) failures.push(`${name}: the apply did not fail`);
        if (!human.stderr.includes(`127.0.0.1:${server.port}/s/`)) failures.push(`${name}: the error does not name the URL`);
      }
      writeFileModel(model, { files: good, site });
      const verbs = [['plan'], ['plan', '--json'], ['validate'], ['history'], ['history', '--json'], ['fsck'], ['fsck', '--json'], ['gc'], ['status'], ['events']];
      for (const args of quick ? verbs.filter((v) => ['history', 'status'].includes(v.join(' '))) : verbs) {
        const withModel = ['plan', 'validate'].includes(args[0]) ? ['--model', model] : [];
        await run(args.join(' '), [...args, ...withModel, '--state', state]);
      }
      // The search can find them: the model itself holds the password.
      if (hits([['the model', readFileSync(join(model, 'nodes', 'mirror.yml'), 'utf8')]]).length === 0) return { ok: false, detail: 'the search does not find the password in the model that holds it' };
      const found = hits([...outputs, ...filesUnder(state).map(([p, t]): [string, string] => [p.replace(state, '<state>'), t])]);
      if (failures.length || found.length) return { ok: false, detail: [...failures, ...found].join('; ').slice(0, 400) };
      const errorLine = outputs.find(([w]) => w === 'apply (503): stderr')?.[1].split('\n').find((l) => l.includes('/s/busy/')) ?? '';
      return {
        ok: true,
        detail: `0 hits; an error names the URL without them: ${errorLine.replace(/.*?(http:\/\/[^\s"]+).*/, '$1').replace(String(server.port), 'PORT')}`,
        figure: `${outputs.length} outputs of ${outputs.length / 2} runs and ${filesUnder(state).length} state files searched for ${forms().length} forms`,
      };
    });

    // The controller: a publish, a failing revision, webhooks right and wrong, then its pages.
    add('ferry run: logs, /status, /, /metrics, events, webhooks right and wrong', async () => {
      const cstate = join(temp.root, 'controller-state');
      const cmodel = temp.dir('controller-model');
      writeFileModel(cmodel, { files: good, site });
      writeFileSync(join(temp.root, 'gerrit-token'), GERRIT_TOKEN, { mode: 0o600 });
      writeFileSync(join(temp.root, 'github-secret'), GITHUB_SECRET, { mode: 0o600 });
      const config = join(temp.root, 'ferry.yaml');
      writeFileSync(
        config,
        [
          `stateDir: ${cstate}`,
          `source: {dir: ${cmodel}}`,
          'listen: {host: 127.0.0.1, port: 0}',
          'poll: {interval: 1h, jitter: 0}',
          'reconcile: {timeout: 120s, backoff: {base: 200ms, max: 1s}}',
          `webhooks: {gerrit: {tokenFile: ${join(temp.root, 'gerrit-token')}}, github: {secretFile: ${join(temp.root, 'github-secret')}}}`,
          '',
        ].join('\n'),
      );
      const c = await startController(config, cstate, { env: { FERRY_LOG_LEVEL: 'debug' } });
      try {
        const status = async () => (await (await fetch(`${c.url}/status`)).json()) as Record<string, unknown>;
        await waitFor('the first publish', async () => (await fetch(`${c.url}/file/media/a`)).status === 200, 120_000);
        // A failing revision (the watcher picks up the change): its errors land in /status.
        writeFileModel(cmodel, { files: [...good, file('busy', 'c'), file('ok', 'e', false)], site });
        await waitFor('the failing revision in /status', async () => JSON.stringify(await status()).includes('/s/busy/'), 120_000);
        const hooks = [
          await fetch(`${c.url}/hooks/gerrit/${encodeURIComponent(GERRIT_TOKEN)}`, { method: 'POST', body: JSON.stringify({ type: 'ref-updated', refUpdate: { refName: 'refs/heads/main' } }) }),
          await fetch(`${c.url}/hooks/gerrit/${GERRIT_TOKEN.slice(0, -1)}`, { method: 'POST', body: '{}' }),
          await fetch(`${c.url}/hooks/github`, { method: 'POST', body: '{}', headers: { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' } }),
        ].map((r) => r.status);
        const pages: Array<[string, string]> = [];
        for (const path of ['/status', '/', '/metrics', '/readyz', '/healthz']) pages.push([`GET ${path}`, await (await fetch(`${c.url}${path}`)).text()]);
        await c.stop();
        const found = hits([['ferry run stderr', c.log()], ...pages, ...filesUnder(cstate).map(([p, t]): [string, string] => [p.replace(cstate, '<state>'), t])]);
        const named = pages[0][1].includes('/s/busy/');
        if (found.length || !named) return { ok: false, detail: [...found, ...(named ? [] : ['/status does not name the failing URL'])].join('; ').slice(0, 400) };
        return { ok: true, detail: `0 hits; /status names the failing URLs without them; webhooks answered ${hooks.join(', ')}`, figure: `${c.log().split('\n').length} log lines, ${pages.length} pages, ${filesUnder(cstate).length} state files` };
      } finally {
        if (c.alive()) await c.stop();
      }
    });
    return {
      trials,
      cleanup: async () => {
        await server.close();
        temp.remove();
      },
    };
  },
};
