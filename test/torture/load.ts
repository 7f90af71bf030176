/**
 * Serving under load during publishes and rollbacks: a deb mirror published by the real CLI,
 * served at once by `ferry serve` and by nginx (with `ferry nginx-config`'s block), while
 * client loops fetch as apt does (InRelease, then Packages by hash, then a pool file the
 * Packages names) and the state switches 20 times (applies of new and of retained desired
 * states, and `ferry rollback`). Counted per server: requests, errors (any non-200 or network
 * error), mixed answers (a file whose bytes are not those the index read earlier in the same
 * sequence names: files of two snapshots in one fetch sequence) and by-hash 404s. All must be 0.
 *
 * The clients fetch the pool file of a package every snapshot holds: a package a rollback drops
 * is gone from the pool by design (a client whose lists still name it gets 404, as from any
 * mirror that removes a package).
 */
import { chmodSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeGpgKey, type GpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import { freePort } from '../helpers/free-port.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';
import { currentSnapshot, ferry, firstLine, sha256, startFerry, Temp, type Started } from './kit.js';
import type { Area, Trial } from './trial.js';

const SUITE = 'dists/bookworm';
const PACKAGES = ['one', 'two', 'three', 'four', 'five'];
const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

interface Tally {
  requests: number;
  sequences: number;
  errors: number;
  mixed: number;
  byHash404: number;
  firstProblem?: string;
}

/** The SHA256 section of a (clear-signed) Release: path → sha256. */
function releaseHashes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // A clear-signed text may end its lines with CRLF (RFC 4880 §7.1; apt accepts both).
  const section = /^SHA256:\n((?: .*\n?)*)/m.exec(text.replace(/\r\n/g, '\n'));
  for (const line of (section?.[1] ?? '').split('\n')) {
    const [hash, , path] = line.trim().split(/\s+/);
    if (hash && path) out.set(path, hash);
  }
  return out;
}

/** One client: apt's fetch sequence in a loop until `until()` says stop. */
async function client(base: string, tally: Tally, until: () => boolean): Promise<void> {
  const problem = (what: string) => (tally.firstProblem ??= what);
  const get = async (path: string): Promise<{ status: number; body: Buffer } | undefined> => {
    tally.requests++;
    try {
      const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) {
        tally.errors++;
        problem(`${path}: ${res.status}`);
        if (res.status === 404 && path.includes('/by-hash/')) tally.byHash404++;
        return undefined;
      }
      return { status: res.status, body };
    } catch (e) {
      tally.errors++;
      problem(`${path}: ${(e as Error).message}`);
      return undefined;
    }
  };
  while (!until()) {
    tally.sequences++;
    const inRelease = await get(`/deb/os/${SUITE}/InRelease`);
    if (!inRelease) continue;
    const hash = releaseHashes(inRelease.body.toString()).get('main/binary-amd64/Packages');
    if (!hash) {
      tally.mixed++;
      problem('an InRelease without main/binary-amd64/Packages');
      continue;
    }
    const packages = await get(`/deb/os/${SUITE}/main/binary-amd64/by-hash/SHA256/${hash}`);
    if (!packages) continue;
    if (sha256(packages.body) !== hash) {
      tally.mixed++;
      problem(`by-hash Packages: sha256 ${sha256(packages.body)}, InRelease says ${hash}`);
      continue;
    }
    const stanza = packages.body.toString().split('\n\n').find((s) => s.startsWith('Package: one\n'));
    const filename = /^Filename: (.+)$/m.exec(stanza ?? '')?.[1];
    const want = /^SHA256: (.+)$/m.exec(stanza ?? '')?.[1];
    if (!filename || !want) {
      tally.mixed++;
      problem('Packages without package one');
      continue;
    }
    const deb = await get(`/deb/os/${filename}`);
    if (deb && sha256(deb.body) !== want) {
      tally.mixed++;
      problem(`${filename}: sha256 ${sha256(deb.body)}, Packages says ${want}`);
    }
  }
}

export const loadArea: Area = {
  name: 'load',
  async trials({ quick }) {
    // Not in the quick subset (make test has test/e2e/deb-by-hash-rollback.test.ts: both servers across publish and rollback).
    if (quick) return { trials: [], cleanup: async () => undefined };
    const temp = new Temp('load');
    // nginx's workers run as an unprivileged user: the state must be readable by them.
    chmodSync(temp.root, 0o755);
    let key: GpgKey | undefined;
    let upstream: StaticServer | undefined;
    let serve: Started | undefined;
    let nginx: RunningNginx | undefined;
    const cleanup = async () => {
      serve?.kill('SIGTERM');
      await serve?.done;
      await nginx?.stop();
      await upstream?.close();
      await key?.destroy();
      temp.remove();
    };
    const switches = 20;
    const clientsPerServer = 6;
    const tallies: Record<'ferry serve' | 'nginx', Tally> = {
      'ferry serve': { requests: 0, sequences: 0, errors: 0, mixed: 0, byHash404: 0 },
      nginx: { requests: 0, sequences: 0, errors: 0, mixed: 0, byHash404: 0 },
    };
    let run: Promise<{ log: string[]; ms: number; snapshots: number; problem?: string }> | undefined;

    /** Setup, the 20 switches under load, then the tallies: done once, read by both trials. */
    const once = () =>
      (run ??= (async () => {
        key = await makeGpgKey();
        await makeUpstream(join(temp.root, 'upstream', 'debian'), PACKAGES.map((name) => ({ name, version: '1' })), { key, real: false });
        upstream = await startStaticServer(join(temp.root, 'upstream'));
        const model = temp.dir('model');
        const state = join(temp.root, 'state');
        mkdirSync(join(model, 'nodes'), { recursive: true });
        const apply = async (n: number) => {
          writeFileSync(
            join(model, 'nodes', 'mirror01.yml'),
            `parameters:\n  ferry:\n    site:\n      name: lab\n      retention: 30\n    mirrors:\n      os:\n        kind: deb\n        url: ${upstream!.url}/debian\n        suites: [bookworm]\n        packages: [${PACKAGES.slice(0, n).join(', ')}]\n        keys:\n          - |\n${indent(key!.publicArmored, 12)}\n`,
          );
          const r = await ferry(['apply', '--model', model, '--state', state, '--wait'], { timeoutMs: 180_000 });
          if (r.code !== 0) throw new Error(`apply of ${n} packages: exit ${r.code}: ${firstLine(r)}`);
        };
        await apply(1);
        const port = await freePort();
        serve = startFerry(['serve', '--state', state, '--listen', `127.0.0.1:${port}`], { timeoutMs: 3_600_000 });
        const block = await ferry(['nginx-config', '--state', realpathSync(state), '--listen', '127.0.0.1:NGINX_PORT']);
        if (block.code !== 0) throw new Error(`ferry nginx-config: ${firstLine(block)}`);
        nginx = await startNginx({ dir: temp.root, serverBlock: (p) => block.stdout.replace('127.0.0.1:NGINX_PORT', `127.0.0.1:${p}`) });
        const bases = { 'ferry serve': `http://127.0.0.1:${port}`, nginx: `http://127.0.0.1:${nginx.port}` };
        const end = Date.now() + 30_000;
        while ((await fetch(`${bases['ferry serve']}/deb/os/${SUITE}/InRelease`).then((r) => r.status, () => 0)) !== 200) {
          if (Date.now() > end) throw new Error('ferry serve never answered');
          await new Promise((r) => setTimeout(r, 100));
        }
        // The switches: applies of 1..5 packages (new, then retained desired states), and rollbacks.
        let stop = false;
        const loops = Object.entries(bases).flatMap(([name, base]) => Array.from({ length: clientsPerServer }, () => client(base, tallies[name as keyof typeof tallies], () => stop)));
        const t0 = Date.now();
        const log: string[] = [];
        const seen = new Set([currentSnapshot(state)]);
        let problem: string | undefined;
        try {
          for (let i = 0; i < switches; i++) {
            if (i % 4 === 3) {
              const r = await ferry(['rollback', '--state', state, '--wait', '--no-suspend']);
              if (r.code !== 0) throw new Error(`rollback: exit ${r.code}: ${firstLine(r)}`);
              log.push('rollback');
            } else {
              const n = 1 + ((i * 3 + 1) % PACKAGES.length);
              await apply(n);
              log.push(`apply ${n}`);
            }
            seen.add(currentSnapshot(state));
            await new Promise((r) => setTimeout(r, 300));
          }
        } catch (e) {
          problem = (e as Error).message;
        } finally {
          stop = true;
          await Promise.all(loops);
        }
        return { log, ms: Date.now() - t0, snapshots: seen.size, problem };
      })());

    const trial = (name: keyof typeof tallies): Trial => ({
      area: 'load',
      name: `serving under load during ${switches} publishes and rollbacks: ${name}`,
      run: async () => {
        const r = await once();
        const t = tallies[name];
        const ok = !r.problem && t.errors === 0 && t.mixed === 0 && t.byHash404 === 0 && t.sequences > switches;
        const figure = `${t.requests} requests (${Math.round((t.requests * 1000) / r.ms)}/s), ${t.errors} errors, ${t.mixed} mixed, ${t.byHash404} by-hash 404s; ${r.log.length} switches among ${r.snapshots} snapshots in ${Math.round(r.ms / 1000)} s`;
        const detail = r.problem ?? (ok ? `${t.sequences} apt-style sequences (InRelease, Packages by hash, pool file), every byte the one its index names` : `first problem: ${t.firstProblem ?? 'too few sequences'}`);
        return { ok, detail, figure };
      },
    });
    return { trials: [trial('ferry serve'), trial('nginx')], cleanup };
  },
};
