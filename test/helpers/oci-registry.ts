/**
 * Real registries for the oci tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1
 * with its storage in a temp folder, optionally behind token auth (a small token endpoint in the
 * test process mints ES256 JWTs the registry verifies against a generated certificate), and a
 * client that pushes generated images into it over the registry API.
 * Needs /usr/bin/docker-registry and openssl: scripts/install-oci.sh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export function requireOciTools(): void {
  for (const tool of [DOCKER_REGISTRY, '/usr/bin/skopeo', '/usr/bin/openssl']) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: run scripts/install-oci.sh (as root)`);
  }
}

export interface TokenServer {
  realm: string;
  service: string;
  /** Token requests answered (any outcome). */
  requests: number;
  /** Mints a token for scopes directly (the test's own pushes). */
  mint(scopes: string[]): string;
  close(): Promise<void>;
}

export interface RunningRegistry {
  url: string;
  /** Where the access log goes (with `accessLog`): one line per request, to count them. */
  accessLogFile?: string;
  /** PEM file of the registry's own certificate (with `tls`): trust it with NODE_EXTRA_CA_CERTS. */
  certFile?: string;
  host: string;
  dir: string;
  token?: TokenServer;
  stop(): Promise<void>;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** libtrust's key id: sha256 of the DER public key, first 30 bytes, base32, in groups of four. */
function libtrustKeyId(publicDer: Buffer): string {
  const sum = createHash('sha256').update(publicDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(':');
}

/** A token endpoint requiring Basic `user:password`; grants whatever scope is asked. */
async function startTokenServer(dir: string, options: { user: string; password: string; expiresIn?: number }): Promise<TokenServer & { certFile: string; issuer: string }> {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=ferry-test-token', '-days', '2'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const issuer = 'ferry-test-issuer';
  const service = 'ferry-test-registry';
  const mint = (scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop() ?? '';
      return { type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) };
    });
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: options.user, aud: service, exp: now + (options.expiresIn ?? 300), nbf: now - 10, iat: now, jti: createHash('sha256').update(String(Math.random())).digest('hex'), access }));
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${b64url(signature)}`;
  };
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== expected) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Basic realm="token"');
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ token: mint(url.searchParams.getAll('scope')), expires_in: options.expiresIn ?? 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    get requests() {
      return state.requests;
    },
    mint,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Starts docker-registry on a free port with storage under `dir` (or `storage`: two registries may
 * share one, say an http one to push into and an https one to mirror from); with `token`, behind
 * token auth; with `tls`, over https with a generated certificate for 127.0.0.1.
 */
export async function startRegistry(dir: string, options: { token?: { user: string; password: string; expiresIn?: number }; tls?: boolean; storage?: string; accessLog?: boolean } = {}): Promise<RunningRegistry> {
  mkdirSync(dir, { recursive: true });
  const storage = options.storage ?? join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let tls = '';
  let certFile: string | undefined;
  if (options.tls) {
    certFile = join(dir, 'registry.crt');
    const keyFile = join(dir, 'registry.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2'], { stdio: 'ignore' });
    tls = `  tls:\n    certificate: ${certFile}\n    key: ${keyFile}\n`;
  }
  const token = options.token ? await startTokenServer(join(dir, 'auth'), options.token) : undefined;
  const port = await freePort();
  const auth = token ? `auth:\n  token:\n    realm: ${token.realm}\n    service: ${token.service}\n    issuer: ${token.issuer}\n    rootcertbundle: ${token.certFile}\n` : '';
  const config = `version: 0.1\nlog:\n  level: ${options.accessLog ? 'info' : 'error'}\n  accesslog:\n    disabled: ${options.accessLog ? 'false' : 'true'}\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const accessLogFile = options.accessLog ? join(dir, 'access.log') : undefined;
  const child: ChildProcess = spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: accessLogFile ? ['ignore', openSync(accessLogFile, 'a'), openSync(accessLogFile, 'a')] : ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (!accessLogFile) stderr += d.toString();
  });
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = options.tls ? await probeTls(port, certFile as string) : (await fetch(`${url}/v2/`)).status;
      if (r === 200 || r === 401) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    certFile,
    accessLogFile,
    host: `127.0.0.1:${port}`,
    dir,
    token,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await token?.close();
    },
  };
}

/** GET /v2/ over TLS trusting `certFile`: the status. */
function probeTls(port: number, certFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/v2/', ca: readFileSync(certFile) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
