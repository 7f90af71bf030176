/**
 * oci mirrors end to end: Debian's docker-registry as upstream (one of them behind token auth,
 * with a token endpoint in the test), populated with generated images (a 2-platform index among
 * them); `ferry apply` through the real CLI; skopeo inspect / copy to dir: / copy into a second
 * docker-registry against `ferry serve`, with digests equal to upstream's; a model change and
 * its revert roll the served tags back with 0 bytes downloaded.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { runFerry } from '../helpers/run-ferry.js';
import { requireOciTools, startRegistry, type RunningRegistry } from '../helpers/oci-registry.js';
import { image, index, layer, pushImage, type BuiltImage } from '../helpers/oci-images.js';
import { startNginx, type RunningNginx } from '../integration/serve/nginx-runner.js';
import { realpathSync } from 'node:fs';

const run = promisify(execFile);
let tmp: string;
let upstream: RunningRegistry;
let secured: RunningRegistry;
let second: RunningRegistry;
let site: RunningRegistry;
let server: RunningServer | undefined;
let nginx: RunningNginx | undefined;
let modelDir: string;
let state: string;
let env: Record<string, string>;
const built: Record<string, BuiltImage> = {};

function git(...args: string[]): Promise<{ stdout: string }> {
  return run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: modelDir });
}

async function skopeo(...args: string[]): Promise<string> {
  const r = await run('skopeo', args, { maxBuffer: 64 << 20 });
  return r.stdout;
}

function model(alpineTags: string[]): string {
  return `classes: []
parameters:
  ferry:
    site:
      name: lab
    mirrors:
      hub:
        kind: oci
        registry: ${upstream.url}
        images:
          - name: library/alpine
            tags: ${JSON.stringify(alpineTags)}
            local_tags: {apex: "1.3.0"}
            target: http://${site.host}/site
          - name: library/busybox
            tags: ["1.0"]
            target: http://${site.host}/site
          - name: multi/app
            tags: ["1.0"]
            platforms: [linux/arm64]
      private:
        kind: oci
        registry: ${secured.url}
        images:
          - name: private/secret
            tags: ["/^1\\\\./"]
`;
}

async function apply(extra: string[] = []): Promise<{ outcome: string; snapshot: string; stats: { bytesFetched: number; filesFetched: number } }> {
  const r = await runFerry(['apply', '--repo', modelDir, '--ref', 'main', '--state', state, '--json', ...extra], { env });
  if (r.code !== 0) throw new Error(`ferry apply exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as { outcome: string; snapshot: string; stats: { bytesFetched: number; filesFetched: number } };
}

const served = (ref: string) => `docker://${server?.url.replace('http://', '')}/${ref}`;
const viaNginx = (ref: string) => `docker://127.0.0.1:${nginx?.port}/${ref}`;

/** nginx with the server block `ferry nginx-config` prints (its listen line pointed at the test's port). */
async function startPrintedNginx(): Promise<RunningNginx> {
  const printed = await runFerry(['nginx-config', '--state', realpathSync(state), '--listen', '127.0.0.1:65000']);
  if (printed.code !== 0) throw new Error(`ferry nginx-config exited ${printed.code}: ${printed.stderr}`);
  return startNginx({ dir: tmp, serverBlock: (port) => printed.stdout.replace('listen 127.0.0.1:65000;', `listen 127.0.0.1:${port};`) });
}

beforeAll(async () => {
  requireOciTools();
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-oci-'));
  chmodSync(tmp, 0o755); // nginx's workers read the state folder
  upstream = await startRegistry(join(tmp, 'upstream'));
  secured = await startRegistry(join(tmp, 'secured'), { token: { user: 'puller', password: 's3cret' } });
  second = await startRegistry(join(tmp, 'second'));
  site = await startRegistry(join(tmp, 'site'));
  const base = layer('base', 300_000);
  built['3.19'] = image({ layers: [base, layer('319', 50_000)], label: '3.19' });
  built['1.2.0'] = image({ layers: [base, layer('120', 40_000)], label: '1.2.0' });
  built['1.3.0'] = image({ layers: [base, layer('130', 40_000)], label: '1.3.0', oci: true });
  built['2.0.0'] = image({ layers: [layer('200', 40_000)], label: '2.0.0' });
  for (const tag of ['3.19', '1.2.0', '1.3.0', '2.0.0']) await pushImage(upstream.url, 'library/alpine', built[tag], [tag]);
  built.app = index([
    { image: image({ layers: [layer('amd', 20_000)], oci: true }), os: 'linux', architecture: 'amd64' },
    { image: image({ layers: [layer('arm', 20_000)], architecture: 'arm64', variant: 'v8', oci: true }), os: 'linux', architecture: 'arm64', variant: 'v8' },
  ]);
  await pushImage(upstream.url, 'multi/app', built.app, ['1.0']);
  built.busybox = image({ layers: [base, layer('busybox', 30_000)], label: 'busybox' });
  await pushImage(upstream.url, 'library/busybox', built.busybox, ['1.0']);
  built.secret = image({ layers: [layer('secret', 10_000)] });
  await pushImage(secured.url, 'private/secret', built.secret, ['1.0', '1.1'], secured.token?.mint(['repository:private/secret:push,pull']));

  const authFile = join(tmp, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from('puller:s3cret').toString('base64') } } }));
  env = { FERRY_AUTH_FILE: authFile };
  modelDir = join(tmp, 'model');
  mkdirSync(join(modelDir, 'nodes'), { recursive: true });
  mkdirSync(join(modelDir, 'classes'), { recursive: true });
  writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(['3.19', '>=1.2 <2']));
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-qm', 'A: images');
  state = join(tmp, 'state');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await nginx?.stop();
  await upstream?.stop();
  await secured?.stop();
  await second?.stop();
  await site?.stop();
  if (tmp && !process.env.FERRY_TEST_KEEP) rmSync(tmp, { recursive: true, force: true });
});

describe('oci mirror, end to end', () => {
  it('mirrors by tag, semver range and regex, through token auth, and serves them to skopeo with upstream digests', async () => {
    const first = await apply();
    expect(first.outcome).toBe('published');
    server = await startServer({ stateDir: state, port: 0 });

    const inspect = JSON.parse(await skopeo('inspect', '--tls-verify=false', served('library/alpine:3.19'))) as { Digest: string; RepoTags: string[]; Labels: Record<string, string> };
    expect(inspect.Digest).toBe(built['3.19'].manifest.digest);
    expect(inspect.RepoTags).toEqual(['1.2.0', '1.3.0', '3.19', 'apex']);
    // Configs and layers are downloaded by the sync step, a blob shared by several images once.
    const mirrored = [built['3.19'], built['1.2.0'], built['1.3.0'], built.busybox, built.app.children![1], built.secret];
    expect(first.stats.filesFetched).toBe(new Set(mirrored.flatMap((b) => b.blobs.map((x) => x.digest))).size);
    expect(inspect.Labels['org.example.label']).toBe('3.19');
    const apex = JSON.parse(await skopeo('inspect', '--tls-verify=false', served('library/alpine:apex'))) as { Digest: string };
    expect(apex.Digest).toBe(built['1.3.0'].manifest.digest);
    // 2.0.0 is outside the range: not served.
    await expect(skopeo('inspect', '--tls-verify=false', served('library/alpine:2.0.0'))).rejects.toThrow(/manifest unknown|not found/i);

    // The index is served byte-exact; only the arm64 child was fetched.
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', served('multi/app:1.0'));
    expect(raw).toBe(built.app.manifest.bytes.toString());
    const armDir = join(tmp, 'arm');
    await skopeo('--override-arch', 'arm64', '--override-variant', 'v8', 'copy', '--src-tls-verify=false', served('multi/app:1.0'), `dir:${armDir}`);
    expect(sha(readFileSync(join(armDir, 'manifest.json')))).toBe(built.app.children?.[1].manifest.digest);
    await expect(skopeo('--override-arch', 'amd64', 'copy', '--src-tls-verify=false', served('multi/app:1.0'), `dir:${join(tmp, 'amd')}`)).rejects.toThrow();

    // The token-protected upstream: mirrored through the challenge, served anonymously.
    expect(secured.token?.requests).toBeGreaterThan(0);
    const secret = JSON.parse(await skopeo('inspect', '--tls-verify=false', served('private/secret:1.1'))) as { Digest: string };
    expect(secret.Digest).toBe(built.secret.manifest.digest);

    const dir = join(tmp, 'copy');
    await skopeo('copy', '--src-tls-verify=false', served('library/alpine:3.19'), `dir:${dir}`);
    expect(sha(readFileSync(join(dir, 'manifest.json')))).toBe(built['3.19'].manifest.digest);

    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', served('library/alpine:apex'), `docker://${second.host}/library/alpine:apex`);
    const copied = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${second.host}/library/alpine:apex`)) as { Digest: string };
    expect(copied.Digest).toBe(built['1.3.0'].manifest.digest);

    const tags = await fetch(`${server.url}/v2/library/alpine/tags/list?n=2`);
    expect(await tags.json()).toEqual({ name: 'library/alpine', tags: ['1.2.0', '1.3.0'] });
    expect(tags.headers.get('link')).toBe('</v2/library/alpine/tags/list?n=2&last=1.3.0>; rel="next"');
    const catalog = await fetch(`${server.url}/v2/_catalog`);
    expect(await catalog.json()).toEqual({ repositories: ['library/alpine', 'library/busybox', 'multi/app', 'private/secret'] });
    const missing = await fetch(`${server.url}/v2/library/alpine/manifests/9.9`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: Array<{ code: string }> }).errors[0].code).toBe('MANIFEST_UNKNOWN');

    // Pushed to the site registry: upstream and local tags, same digests; the shared base layer mounted.
    const pushed = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${site.host}/site/library/alpine:apex`)) as { Digest: string; RepoTags: string[] };
    expect(pushed.Digest).toBe(built['1.3.0'].manifest.digest);
    expect([...pushed.RepoTags].sort()).toEqual(['1.2.0', '1.3.0', '3.19', 'apex']);
    const pushedBusybox = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${site.host}/site/library/busybox:1.0`)) as { Digest: string };
    expect(pushedBusybox.Digest).toBe(built.busybox.manifest.digest);
    const record = join(state, 'cache', 'oci-push', 'hub.json');
    const counts = (JSON.parse(readFileSync(record, 'utf8')) as { counts: { mounted: number; uploaded: number; tags: number } }).counts;
    expect(counts.mounted).toBe(1);
    expect(counts.tags).toBe(5);
    // Idempotent: without the record of the last push, a push finds everything there and sends nothing.
    rmSync(record);
    await apply();
    const repeated = (JSON.parse(readFileSync(record, 'utf8')) as { counts: { mounted: number; uploaded: number; tags: number; manifests: number; skipped: number } }).counts;
    expect(repeated).toMatchObject({ mounted: 0, uploaded: 0, tags: 0, manifests: 0 });
    expect(repeated.skipped).toBeGreaterThan(0);

    // The same through nginx with the printed configuration (static files, content types and
    // digests from the snapshot's maps).
    nginx = await startPrintedNginx();
    const viaStatic = JSON.parse(await skopeo('inspect', '--tls-verify=false', viaNginx('library/alpine:3.19'))) as { Digest: string; RepoTags: string[] };
    expect(viaStatic.Digest).toBe(built['3.19'].manifest.digest);
    expect(viaStatic.RepoTags).toEqual(['1.2.0', '1.3.0', '3.19', 'apex']);
    expect(await skopeo('inspect', '--raw', '--tls-verify=false', viaNginx('multi/app:1.0'))).toBe(raw);
    const nginxDir = join(tmp, 'copy-nginx');
    await skopeo('copy', '--src-tls-verify=false', viaNginx('library/alpine:3.19'), `dir:${nginxDir}`);
    expect(sha(readFileSync(join(nginxDir, 'manifest.json')))).toBe(built['3.19'].manifest.digest);
    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', viaNginx('library/alpine:1.2.0'), `docker://${second.host}/library/alpine:1.2.0`);
    expect((JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${second.host}/library/alpine:1.2.0`)) as { Digest: string }).Digest).toBe(built['1.2.0'].manifest.digest);
    const head = await fetch(`http://127.0.0.1:${nginx.port}/v2/library/alpine/manifests/3.19`, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe(built['3.19'].mediaType);
    expect(head.headers.get('docker-content-digest')).toBe(built['3.19'].manifest.digest);

    // A no-op refresh: tag lists for the regex and the range, one HEAD per tag, no blob or manifest downloaded, nothing published.
    const again = await apply(['--refresh']);
    expect(again.outcome).toBe('unchanged');
    expect(again.stats.filesFetched).toBe(0);
    expect(again.stats.bytesFetched).toBeLessThan(2000);

    // Served tags follow the model, and its revert, with nothing downloaded.
    writeFileSync(join(modelDir, 'nodes', 'mirror01.yml'), model(['>=1.2 <2']));
    await git('commit', '-qam', 'B: drop 3.19');
    const b = await apply();
    expect(b.outcome).toBe('published');
    await expect(skopeo('inspect', '--tls-verify=false', served('library/alpine:3.19'))).rejects.toThrow();
    await expect(skopeo('inspect', '--tls-verify=false', viaNginx('library/alpine:3.19'))).rejects.toThrow();
    // Snapshot B was built after nginx loaded its configuration: its manifests keep their media
    // types all the same (answered by njs from repositories.json, not from the type maps).
    expect((JSON.parse(await skopeo('inspect', '--tls-verify=false', viaNginx('library/alpine:1.2.0'))) as { Digest: string }).Digest).toBe(built['1.2.0'].manifest.digest);
    await git('revert', '--no-edit', 'HEAD');
    const reverted = await apply();
    expect(reverted.outcome).toBe('reused');
    expect(reverted.snapshot).toBe(first.snapshot);
    expect(reverted.stats.bytesFetched).toBe(0);
    const back = JSON.parse(await skopeo('inspect', '--tls-verify=false', served('library/alpine:3.19'))) as { Digest: string };
    expect(back.Digest).toBe(built['3.19'].manifest.digest);
    const backStatic = JSON.parse(await skopeo('inspect', '--tls-verify=false', viaNginx('library/alpine:3.19'))) as { Digest: string };
    expect(backStatic.Digest).toBe(built['3.19'].manifest.digest);

    // Retained snapshots answer under /v2/snapshots/<id>/.
    const old = JSON.parse(await skopeo('inspect', '--tls-verify=false', served(`snapshots/${b.snapshot.toLowerCase()}/library/alpine:1.2.0`))) as { Digest: string };
    expect(old.Digest).toBe(built['1.2.0'].manifest.digest);
    // And through nginx (the njs handler, files by internal redirect to /snapshots/<Id>/v2/).
    const retainedRef = viaNginx(`snapshots/${b.snapshot.toLowerCase()}/library/alpine:1.2.0`);
    expect((JSON.parse(await skopeo('inspect', '--tls-verify=false', retainedRef)) as { Digest: string }).Digest).toBe(built['1.2.0'].manifest.digest);
    const retainedDir = join(tmp, 'copy-nginx-retained');
    await skopeo('copy', '--src-tls-verify=false', retainedRef, `dir:${retainedDir}`);
    expect(sha(readFileSync(join(retainedDir, 'manifest.json')))).toBe(built['1.2.0'].manifest.digest);
    // 3.19 is not in snapshot B, whichever server is asked.
    await expect(skopeo('inspect', '--tls-verify=false', viaNginx(`snapshots/${b.snapshot.toLowerCase()}/library/alpine:3.19`))).rejects.toThrow(/manifest unknown/i);
  }, 120_000);
});

function sha(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
