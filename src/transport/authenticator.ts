/**
 * Credentials per origin and the 401 challenge hook (RFC 9110 §11.6.1; the registry token flow of
 * the Docker/OCI distribution "token authentication specification").
 *
 * Contract:
 * - Credentials are configured per origin (`https://host:port`) or per `host[:port]` (either
 *   scheme). A request carries its own origin's credentials only: a redirect to another origin
 *   gets that origin's own (or none), never the previous origin's (see request-target.ts).
 * - Basic credentials are sent up front; a `{ token }` credential is sent as a Bearer token.
 * - A 401 with `Bearer realm=…,service=…,scope=…` makes `onUnauthorized` fetch a token from the
 *   realm (with the realm origin's credentials, else the challenging origin's when the realm is
 *   https or on the same host, as `docker login` does), cache it per origin and scope until
 *   `expires_in` (60 s when absent) runs out, and ask the caller to retry. A cached token that is
 *   refused is dropped and fetched again (refresh). Concurrent challenges for one key share one
 *   token request.
 * - A token endpoint that refuses (401/403) is a FERRY_HTTP_STATUS naming the realm.
 */
import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';
import { parseChallenges } from './www-authenticate.js';

export type Credential = { username: string; password: string } | { token: string };

export interface TokenFetchResult {
  status: number;
  body: Buffer;
  headers?: Record<string, string>;
}

export interface AuthenticatorOptions {
  /** Keys: an origin (`https://r.example:5000`) or `host[:port]`. */
  credentials?: Record<string, Credential>;
  /** GETs a token URL with the given Authorization (no challenge handling of its own). */
  fetchToken: (url: URL, authorization: string | undefined, signal?: AbortSignal) => Promise<TokenFetchResult>;
  now?: () => number;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

export class Authenticator {
  private readonly credentials: Record<string, Credential>;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;
  /** Token requests sent (for tests and stats). */
  tokenRequests = 0;

  constructor(private readonly options: AuthenticatorOptions) {
    this.credentials = options.credentials ?? {};
    this.now = options.now ?? Date.now;
  }

  /** The credential configured for `url`'s origin (or its host), if any. */
  credentialFor(url: URL): Credential | undefined {
    return this.credentials[url.origin] ?? this.credentials[url.host];
  }

  /** The Authorization header to send to `url` now: a cached token for the scope, else the origin's own credential. */
  header(url: URL, scope?: string): string | undefined {
    const cached = this.tokens.get(key(url, scope));
    if (cached && cached.expiresAt > this.now()) return cached.header;
    return encode(this.credentialFor(url));
  }

  /**
   * A 401 came back from `url` (after sending `sent`): works out a better Authorization from
   * its challenge. True when the caller should retry with header(url, scope).
   */
  async onUnauthorized(url: URL, sent: string | undefined, wwwAuthenticate: string | undefined, scope?: string, signal?: AbortSignal): Promise<boolean> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const own = this.credentialFor(url);
    if (!bearer) {
      const basic = encode(own);
      return challenges.some((c) => c.scheme === 'basic') && basic !== undefined && basic !== sent;
    }
    if (own && 'token' in own) return false;
    const scopes = (bearer.params.scope ?? scope ?? '').split(' ').filter(Boolean);
    const k = key(url, scope);
    const stale = this.tokens.get(k);
    if (stale && stale.header === sent) this.tokens.delete(k);
    const fresh = this.tokens.get(k);
    if (fresh && fresh.header !== sent && fresh.expiresAt > this.now()) return true;
    let request = this.pending.get(k);
    if (!request) {
      request = this.fetchToken(url, bearer.params.realm, bearer.params.service, scopes, signal).finally(() => this.pending.delete(k));
      this.pending.set(k, request);
    }
    const token = await request;
    this.tokens.set(k, token);
    for (const s of scopes) this.tokens.set(key(url, s), token);
    return token.header !== sent;
  }

  private async fetchToken(url: URL, realm: string, service: string | undefined, scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm, url);
    } catch (cause) {
      throw new FerryError('FERRY_HTTP_STATUS', `${redactUrl(url.href)}: unusable token realm ${JSON.stringify(realm)}`, { url: redactUrl(url.href), status: 401 }, cause);
    }
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') {
      throw new FerryError('FERRY_HTTP_STATUS', `${redactUrl(url.href)}: token realm with scheme ${realmUrl.protocol}`, { url: redactUrl(url.href), status: 401 });
    }
    if (service) realmUrl.searchParams.set('service', service);
    for (const s of scopes) realmUrl.searchParams.append('scope', s);
    const trusted = realmUrl.protocol === 'https:' || realmUrl.hostname === url.hostname;
    const credential = this.credentialFor(realmUrl) ?? (trusted ? this.credentialFor(url) : undefined);
    this.tokenRequests++;
    const answer = await this.options.fetchToken(realmUrl, encode(credential), signal);
    const where = redactUrl(realmUrl.href);
    if (answer.status < 200 || answer.status > 299) {
      const why = answer.status === 401 || answer.status === 403 ? (credential ? 'credentials refused' : 'anonymous access refused (no credentials configured)') : 'token request failed';
      throw new FerryError('FERRY_HTTP_STATUS', `HTTP ${answer.status} from token endpoint ${where} for ${redactUrl(url.href)}: ${why}`, { url: where, status: answer.status });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
    } catch (cause) {
      throw new FerryError('FERRY_BAD_INDEX', `token endpoint ${where} answered something other than JSON`, { url: where }, cause);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') throw new FerryError('FERRY_BAD_INDEX', `token endpoint ${where} answered no token`, { url: where });
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    // Renew a little before the server's deadline (at most 10 s, at most half the lifetime).
    const margin = Math.min(10, seconds / 2);
    return { header: `Bearer ${token}`, expiresAt: this.now() + (seconds - margin) * 1000 };
  }
}

function key(url: URL, scope: string | undefined): string {
  return `${url.origin} ${scope ?? ''}`;
}

function encode(c: Credential | undefined): string | undefined {
  if (!c) return undefined;
  if ('token' in c) return `Bearer ${c.token}`;
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/**
 * Reads a containers-auth.json / docker config.json (`{"auths": {"host:port": {"auth": base64(user:pass)}
 * | {"username", "password"} | {"identitytoken"} | {"registrytoken"}}}`) into per-origin credentials.
 * Keys may be `host[:port]` or URLs (their origin is used).
 */
export function credentialsFromAuthFile(text: string, file: string): Record<string, Credential> {
  let parsed: { auths?: Record<string, Record<string, unknown>> };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (cause) {
    throw new FerryError('FERRY_USAGE', `${file}: not JSON`, { file }, cause);
  }
  const out: Record<string, Credential> = {};
  for (const [k, v] of Object.entries(parsed.auths ?? {})) {
    let name = k;
    if (/^[a-z]+:\/\//i.test(k)) {
      try {
        name = new URL(k).origin;
      } catch {
        continue;
      }
    }
    if (typeof v.auth === 'string' && v.auth) {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) out[name] = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof v.username === 'string' && typeof v.password === 'string') {
      out[name] = { username: v.username, password: v.password };
    } else if (typeof v.registrytoken === 'string') {
      out[name] = { token: v.registrytoken };
    }
  }
  return out;
}
