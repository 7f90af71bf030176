/**
 * A fault-injecting upstream (a Node server on 127.0.0.1) under the real `ferry apply`: reset,
 * 5xx, 429 with Retry-After, truncation, stall, wrong bytes, wrong size, Range ignored, a
 * redirect loop. Each fault comes once (then the file is served right: the download must be
 * retried or resumed and the snapshot published with the right bytes) or always (the apply must
 * fail with an error that names the fault, and publish nothing: the snapshot served before stays
 * current, none of the run's other new files is served, fsck passes). Every apply also fetches
 * three good new files, so a half-published snapshot would show.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentSnapshot, ferry, firstLine, generated, listen, sha256, Temp, writeFileModel, type FileEntry } from './kit.js';
import type { Area, Trial, TrialResult } from './trial.js';

type Mode = 'once' | 'always';
interface Seen {
  at: number;
  range?: string;
}
interface Fault {
  name: string;
  size: number;
  modes: Mode[];
  /** Answers request `n` (0-based) for this file; false: the server answers it right. */
  answer(req: IncomingMessage, res: ServerResponse, body: Buffer, n: number, mode: Mode): boolean;
  /** What an apply that must fail prints. */
  failure: RegExp;
  /** Once is final too: a fresh download that fails verification is not fetched again (it names
   * expected and actual); the next apply, the upstream right again, publishes. */
  onceFails?: boolean;
  /** A figure from what the server saw (once mode). */
  figure?(seen: Seen[]): string;
}

const MIB = 1 << 20;
const STALL_S = 1;
const ATTEMPTS = 3;
const RETRY_AFTER_S = 2;

function jsonErrors(stdout: string): Array<{ code: string; message: string }> {
  try {
    return (JSON.parse(stdout) as { errors?: Array<{ code: string; message: string }> }).errors ?? [];
  } catch {
    return [];
  }
}

const cut = (res: ServerResponse, body: Buffer, at: number) => {
  res.writeHead(200, { 'content-length': body.length, etag: `"${sha256(body)}"` });
  res.write(body.subarray(0, at), () => res.socket?.destroy());
};

const FAULTS: Fault[] = [
  { name: 'connection reset', size: 64 * 1024, modes: ['once', 'always'], answer: (req) => (req.socket.destroy(), true), failure: /ECONNRESET|socket|reset|other side closed/i },
  { name: '503', size: 64 * 1024, modes: ['once', 'always'], answer: (_q, res) => (res.writeHead(503, { 'content-type': 'text/plain' }).end('busy'), true), failure: /503/ },
  {
    name: `429 with Retry-After: ${RETRY_AFTER_S}`,
    size: 64 * 1024,
    modes: ['once', 'always'],
    answer: (_q, res) => (res.writeHead(429, { 'retry-after': String(RETRY_AFTER_S) }).end(), true),
    failure: /429/,
    figure: (seen) => `waited ${seen.length > 1 ? seen[1].at - seen[0].at : '?'} ms (Retry-After ${RETRY_AFTER_S * 1000} ms)`,
  },
  {
    name: 'truncated at half (3 MiB file)',
    size: 3 * MIB,
    modes: ['once', 'always'],
    answer: (_q, res, body) => (cut(res, body, body.length / 2), true),
    failure: /premature|ended|closed|terminated|content.length|socket/i,
    figure: (seen) => `second request: ${seen[1]?.range ? `Range ${seen[1].range} (resumed)` : 'from byte 0'}`,
  },
  {
    name: `stall after half (stall_timeout ${STALL_S} s)`,
    size: 256 * 1024,
    modes: ['once', 'always'],
    answer: (_q, res, body) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length / 2));
      return true;
    },
    failure: new RegExp(`upstream stalled: no bytes for ${STALL_S} s \\(site.transport.stall_timeout\\), ${ATTEMPTS} attempt\\(s\\)`),
    figure: (seen) => `retried after ${seen.length > 1 ? seen[1].at - seen[0].at : '?'} ms`,
  },
  {
    name: 'wrong bytes (same size)',
    onceFails: true,
    size: 64 * 1024,
    modes: ['once', 'always'],
    answer: (_q, res, body) => {
      const wrong = Buffer.from(body);
      wrong[1000] ^= 0xff;
      res.writeHead(200, { 'content-length': wrong.length }).end(wrong);
      return true;
    },
    failure: /sha256|digest/i,
  },
  {
    name: 'wrong size (1000 bytes more)',
    onceFails: true,
    size: 64 * 1024,
    modes: ['once', 'always'],
    answer: (_q, res, body) => {
      const longer = Buffer.concat([body, Buffer.alloc(1000, 0x41)]);
      res.writeHead(200, { 'content-length': longer.length }).end(longer);
      return true;
    },
    failure: /size|bytes/i,
  },
  {
    name: 'Range ignored (200 with the whole file)',
    size: 3 * MIB,
    modes: ['once'],
    answer: (req, res, body, n) => {
      if (n === 0) return (cut(res, body, 2 * MIB), true);
      res.writeHead(200, { 'content-length': body.length, etag: `"${sha256(body)}"` }).end(body);
      return true;
    },
    failure: /never/,
    figure: (seen) => `second request asked ${seen[1]?.range ?? 'no Range'}, got 200: started over`,
  },
  {
    name: 'Range answered from byte 0 (206, wrong Content-Range)',
    size: 3 * MIB,
    modes: ['once'],
    answer: (req, res, body, n) => {
      if (n === 0) return (cut(res, body, 2 * MIB), true);
      if (n === 1 && req.headers.range) {
        res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes 0-${body.length - 1}/${body.length}`, etag: `"${sha256(body)}"` }).end(body);
        return true;
      }
      return false;
    },
    failure: /never/,
    figure: (seen) => `${seen.length} requests`,
  },
  {
    name: 'redirect loop',
    size: 64 * 1024,
    modes: ['always'],
    answer: (req, res) => (res.writeHead(302, { location: req.url ?? '/' }).end(), true),
    failure: /too many redirects/,
  },
  {
    name: 'one redirect',
    size: 64 * 1024,
    modes: ['once'],
    answer: (req, res) => (res.writeHead(302, { location: `${req.url ?? ''}?moved=1` }).end(), true),
    failure: /never/,
  },
];

/** The quick subset (make test): one resumed, one failing clearly. */
const QUICK = ['truncated at half (3 MiB file), once', 'wrong bytes (same size), always'];

export const faultsArea: Area = {
  name: 'faults',
  async trials({ quick }) {
    const temp = new Temp('faults');
    const seen = new Map<string, Seen[]>();
    const server = await listen((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/(good|fault)\/(\d+)\/(once|always)?\/?([\w.-]+)$/.exec(url.pathname);
      if (!m) return void res.writeHead(404).end();
      const [, what, idx, mode, file] = m;
      const key = url.pathname;
      const log = seen.get(key) ?? [];
      log.push({ at: Date.now(), range: req.headers.range });
      seen.set(key, log);
      if (what === 'good') return void res.writeHead(200).end(generated(`good ${file}`, 32 * 1024));
      const fault = FAULTS[Number(idx)];
      const body = generated(`fault ${idx} ${file}`, fault.size);
      const n = log.length - 1;
      if (!url.searchParams.has('moved') && (mode === 'always' || n === 0) && fault.answer(req, res, body, n, mode as Mode)) return;
      // The right answer, with single ranges (a resumed download).
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range && Number(range[1]) < body.length) {
        const from = Number(range[1]);
        res.writeHead(206, { 'content-length': body.length - from, 'content-range': `bytes ${from}-${body.length - 1}/${body.length}`, etag: `"${sha256(body)}"` }).end(body.subarray(from));
        return;
      }
      res.writeHead(200, { 'content-length': body.length, etag: `"${sha256(body)}"` }).end(body);
    });
    const model = temp.dir('model');
    const state = join(temp.root, 'state');
    const site = [`transport: {stall_timeout: ${STALL_S}, attempts: ${ATTEMPTS}}`];
    const base: FileEntry[] = [0, 1].map((i) => ({ url: `${server.url}/good/0/base${i}`, sha256: sha256(generated(`good base${i}`, 32 * 1024)), path: `base${i}` }));
    writeFileModel(model, { files: base, site });
    const first = await ferry(['apply', '--model', model, '--state', state]);
    if (first.code !== 0) throw new Error(`faults area: the first apply failed: ${firstLine(first)}`);

    let trialN = 0;
    const runFault = async (idx: number, mode: Mode): Promise<TrialResult> => {
      const fault = FAULTS[idx];
      const t = trialN++;
      const file = `t${t}`;
      const body = generated(`fault ${idx} ${file}`, fault.size);
      const goods: FileEntry[] = [0, 1, 2].map((i) => ({ url: `${server.url}/good/0/g${t}-${i}`, sha256: sha256(generated(`good g${t}-${i}`, 32 * 1024)), path: `g${t}-${i}` }));
      const faulty: FileEntry = { url: `${server.url}/fault/${idx}/${mode}/${file}`, sha256: sha256(body), size: body.length, path: file };
      writeFileModel(model, { files: [...base, ...goods, faulty], site });
      const before = currentSnapshot(state);
      const r = await ferry(['apply', '--model', model, '--state', state, '--json'], { timeoutMs: 120_000 });
      const log = seen.get(new URL(faulty.url).pathname) ?? [];
      const tree = join(state, 'current', 'tree', 'file', 'media');
      if (r.timedOut) return { ok: false, detail: `apply still running after ${r.ms} ms` };
      if (mode === 'once' && !fault.onceFails) {
        if (r.code !== 0) return { ok: false, detail: `apply exit ${r.code}: ${firstLine(r)}` };
        const stats = (JSON.parse(r.stdout) as { stats: { requests: number; retries?: number; resumed?: number } }).stats;
        const served = readFileSync(join(tree, file));
        if (sha256(served) !== faulty.sha256) return { ok: false, detail: `published ${served.length} bytes with sha256 ${sha256(served)}, not the file's` };
        return { ok: true, detail: `published the right bytes after ${log.length} requests for the file (${stats.requests} in the run)`, figure: fault.figure?.(log) ?? `${log.length} requests` };
      }
      const requests = log.length;
      const message = jsonErrors(r.stdout).map((e) => `${e.code}: ${e.message}`).join('\n');
      const problems: string[] = [];
      if (r.code !== 1) problems.push(`exit ${r.code}`);
      if (!fault.failure.test(message)) problems.push(`the error does not name the fault (${fault.failure}): ${firstLine(r)}`);
      if (currentSnapshot(state) !== before) problems.push(`current moved from ${before} to ${currentSnapshot(state)}`);
      if (goods.some((g) => existsSync(join(tree, g.path))) || existsSync(join(tree, file))) problems.push('a file of the failed run is served');
      const fsck = await ferry(['fsck', '--state', state]);
      if (fsck.code !== 0) problems.push(`fsck exit ${fsck.code}: ${firstLine(fsck)}`);
      // The final error: apply --json prints {ok: false, errors: [{code, message, data}]}.
      const errors = jsonErrors(r.stdout);
      const line = `${errors[0]?.code ?? '?'}: ${errors[0]?.message ?? firstLine(r)}`.replace(server.url, 'UPSTREAM');
      if (problems.length) return { ok: false, detail: problems.join('; ') };
      if (mode === 'once') {
        const next = await ferry(['apply', '--model', model, '--state', state], { timeoutMs: 120_000 });
        const served = next.code === 0 ? sha256(readFileSync(join(tree, file))) : '';
        if (served !== faulty.sha256) return { ok: false, detail: `failed clearly, then the next apply: exit ${next.code}: ${firstLine(next)}` };
        return { ok: true, detail: `exit 1, nothing published: ${line.trim().slice(0, 150)}; the next apply published it`, figure: `${requests} request(s) in the failed run` };
      }
      return { ok: true, detail: `exit 1, nothing published: ${line.trim().slice(0, 150)}`, figure: `failed after ${r.ms} ms, ${requests} request(s)` };
    };

    const trials: Trial[] = [];
    FAULTS.forEach((fault, idx) => {
      for (const mode of fault.modes) {
        if (quick && !QUICK.includes(`${fault.name}, ${mode}`)) continue;
        const expected = mode === 'always' ? 'always: fails clearly' : fault.onceFails ? 'once: fails clearly, next apply ok' : 'once: retried';
        trials.push({ area: 'faults', name: `${fault.name}, ${expected}`, run: () => runFault(idx, mode) });
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
