/**
 * The authenticator (src/transport/authenticator.ts): Bearer challenges answered with tokens from
 * the realm (service and scope passed on), cached per origin and scope, renewed before expiry and
 * after a refusal; Basic credentials sent up front and never twice; credentials per origin, never
 * sent to another one (a token realm elsewhere over plain http gets none).
 */
import { describe, expect, it } from '@jest/globals';
import { FerryError } from '../../../src/core/ferry-error.js';
import { Authenticator, type Credential, type TokenFetchResult } from '../../../src/transport/authenticator.js';

const REGISTRY = new URL('https://registry.example:5000/v2/library/alpine/manifests/3.19');
const BASIC = `Basic ${Buffer.from('bob:s3cret').toString('base64')}`;
const challenge = (realm: string, scope = 'repository:library/alpine:pull') => `Bearer realm="${realm}",service="registry.example",scope="${scope}"`;

interface TokenCall {
  url: URL;
  authorization?: string;
}

/** An authenticator whose token endpoint answers `answer(call)`; time is `clock.now`. */
function setup(options: { credentials?: Record<string, Credential>; answer?: (call: TokenCall, n: number) => TokenFetchResult } = {}) {
  const calls: TokenCall[] = [];
  const clock = { now: 1_000_000 };
  const answer = options.answer ?? ((_c: TokenCall, n: number) => ({ status: 200, body: Buffer.from(JSON.stringify({ token: `t${n}`, expires_in: 60 })) }));
  const auth = new Authenticator({
    credentials: options.credentials ?? { 'registry.example:5000': { username: 'bob', password: 's3cret' } },
    now: () => clock.now,
    async fetchToken(url, authorization) {
      const call = { url, authorization };
      calls.push(call);
      await new Promise((r) => setImmediate(r));
      return answer(call, calls.length);
    },
  });
  return { auth, calls, clock };
}

describe('Authenticator: Bearer challenges', () => {
  it('fetches a token from the realm with service and scope, with the registry credentials over https, then sends it', async () => {
    const { auth, calls } = setup();
    const scope = 'repository:library/alpine:pull';
    expect(auth.header(REGISTRY, scope)).toBe(BASIC);
    expect(await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].url.origin).toBe('https://auth.example');
    expect(calls[0].url.searchParams.get('service')).toBe('registry.example');
    expect(calls[0].url.searchParams.getAll('scope')).toEqual([scope]);
    // docker login sends the registry's credentials to an https realm (Docker Hub's auth.docker.io).
    expect(calls[0].authorization).toBe(BASIC);
    expect(auth.header(REGISTRY, scope)).toBe('Bearer t1');
  });

  it('uses the scope the request names when the challenge has none', async () => {
    const { auth, calls } = setup();
    await auth.onUnauthorized(REGISTRY, undefined, 'Bearer realm="https://auth.example/token",service="registry.example"', 'repository:team/app:pull,push');
    expect(calls[0].url.searchParams.getAll('scope')).toEqual(['repository:team/app:pull,push']);
  });

  it('keeps one token per repository scope: another repository gets its own', async () => {
    const { auth, calls } = setup();
    const a = 'repository:library/alpine:pull';
    const b = 'repository:library/busybox:pull';
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token', a), a);
    expect(auth.header(REGISTRY, a)).toBe('Bearer t1');
    // Not the alpine token: the registry would refuse it for busybox.
    expect(auth.header(REGISTRY, b)).toBe(BASIC);
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token', b), b);
    expect(auth.header(REGISTRY, b)).toBe('Bearer t2');
    expect(auth.header(REGISTRY, a)).toBe('Bearer t1');
    expect(calls.map((c) => c.url.searchParams.get('scope'))).toEqual([a, b]);
  });

  it('renews a token before it expires (expires_in less a margin)', async () => {
    const { auth, calls, clock } = setup();
    const scope = 'repository:library/alpine:pull';
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope);
    clock.now += 49_000;
    expect(auth.header(REGISTRY, scope)).toBe('Bearer t1');
    // 60 s less a 10 s margin: past 50 s the token is not sent any more.
    clock.now += 2_000;
    expect(auth.header(REGISTRY, scope)).toBe(BASIC);
    expect(await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope)).toBe(true);
    expect(auth.header(REGISTRY, scope)).toBe('Bearer t2');
    expect(calls).toHaveLength(2);
  });

  it('a token the registry refuses (401 after sending it) is dropped and fetched again', async () => {
    const { auth, calls } = setup();
    const scope = 'repository:library/alpine:pull';
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope);
    expect(await auth.onUnauthorized(REGISTRY, 'Bearer t1', challenge('https://auth.example/token'), scope)).toBe(true);
    expect(auth.header(REGISTRY, scope)).toBe('Bearer t2');
    expect(calls).toHaveLength(2);
    // The same fresh token refused again: a new one is asked for, and the caller retries with it (it bounds its rounds).
    expect(await auth.onUnauthorized(REGISTRY, 'Bearer t2', challenge('https://auth.example/token'), scope)).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('concurrent challenges for one scope share one token request', async () => {
    const { auth, calls } = setup();
    const scope = 'repository:library/alpine:pull';
    const answers = await Promise.all([1, 2, 3, 4].map(() => auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope)));
    expect(answers).toEqual([true, true, true, true]);
    expect(calls).toHaveLength(1);
  });

  it('expires_in absent: 60 s; access_token accepted for token', async () => {
    const { auth, clock } = setup({ answer: () => ({ status: 200, body: Buffer.from('{"access_token":"oauth"}') }) });
    const scope = 'repository:library/alpine:pull';
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope);
    expect(auth.header(REGISTRY, scope)).toBe('Bearer oauth');
    clock.now += 51_000;
    expect(auth.header(REGISTRY, scope)).toBe(BASIC);
  });

  it('a token endpoint that refuses is a FERRY_HTTP_STATUS naming the realm and saying why', async () => {
    const { auth } = setup({ answer: () => ({ status: 401, body: Buffer.alloc(0) }) });
    const failure = auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), 'repository:library/alpine:pull');
    await expect(failure).rejects.toBeInstanceOf(FerryError);
    await expect(failure).rejects.toMatchObject({ code: 'FERRY_HTTP_STATUS', data: { status: 401 } });
    await expect(failure).rejects.toThrow(/token endpoint https:\/\/auth\.example\/token.*credentials refused/);
    const anonymous = setup({ credentials: {}, answer: () => ({ status: 403, body: Buffer.alloc(0) }) });
    await expect(anonymous.auth.onUnauthorized(REGISTRY, undefined, challenge('https://auth.example/token'), undefined)).rejects.toThrow(/anonymous access refused/);
  });

  it('an answer without a token, or not JSON, is FERRY_BAD_INDEX', async () => {
    const none = setup({ answer: () => ({ status: 200, body: Buffer.from('{}') }) });
    await expect(none.auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'))).rejects.toMatchObject({ code: 'FERRY_BAD_INDEX' });
    const html = setup({ answer: () => ({ status: 200, body: Buffer.from('<html>') }) });
    await expect(html.auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'))).rejects.toMatchObject({ code: 'FERRY_BAD_INDEX' });
  });

  it('a realm with another scheme than http(s) is refused', async () => {
    const { auth, calls } = setup();
    await expect(auth.onUnauthorized(REGISTRY, BASIC, challenge('file:///etc/passwd'))).rejects.toThrow(/token realm with scheme file:/);
    expect(calls).toHaveLength(0);
  });
});

describe('Authenticator: credentials stay with their origin', () => {
  it('a token realm on another host over plain http gets no credentials', async () => {
    const { auth, calls } = setup();
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('http://tokens.elsewhere.example/token'));
    expect(calls[0].authorization).toBeUndefined();
  });

  it('a realm on the registry host over http gets them (docker-registry with its own token server)', async () => {
    const registry = new URL('http://127.0.0.1:5000/v2/');
    const { auth, calls } = setup({ credentials: { '127.0.0.1:5000': { username: 'bob', password: 's3cret' } } });
    await auth.onUnauthorized(registry, BASIC, challenge('http://127.0.0.1:5001/token'));
    expect(calls[0].authorization).toBe(BASIC);
  });

  it('the realm origin\'s own credentials win over the registry\'s', async () => {
    const { auth, calls } = setup({ credentials: { 'registry.example:5000': { username: 'bob', password: 's3cret' }, 'https://auth.example': { username: 'svc', password: 'x' } } });
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'));
    expect(calls[0].authorization).toBe(`Basic ${Buffer.from('svc:x').toString('base64')}`);
  });

  it('header() of another origin carries nothing of this one', () => {
    const { auth } = setup();
    expect(auth.header(new URL('https://blobs.example/sha256/abc'))).toBeUndefined();
    expect(auth.header(new URL('https://registry.example/v2/'))).toBeUndefined(); // another port is another origin
    expect(auth.header(new URL('http://registry.example:5000/v2/'))).toBe(BASIC); // host[:port] keys match either scheme
    const byOrigin = setup({ credentials: { 'https://registry.example:5000': { username: 'bob', password: 's3cret' } } }).auth;
    expect(byOrigin.header(new URL('http://registry.example:5000/v2/'))).toBeUndefined();
  });

  it('tokens are cached per origin: the same scope on another registry does not reuse them', async () => {
    const { auth } = setup();
    const scope = 'repository:library/alpine:pull';
    await auth.onUnauthorized(REGISTRY, BASIC, challenge('https://auth.example/token'), scope);
    expect(auth.header(new URL('https://mirror.example/v2/library/alpine/manifests/3.19'), scope)).toBeUndefined();
  });
});

describe('Authenticator: Basic and static tokens', () => {
  it('sends Basic credentials up front; a Basic challenge after they were sent is final (no loop)', async () => {
    const { auth, calls } = setup();
    expect(auth.header(REGISTRY)).toBe(BASIC);
    expect(await auth.onUnauthorized(REGISTRY, BASIC, 'Basic realm="registry"')).toBe(false);
    expect(await auth.onUnauthorized(REGISTRY, undefined, 'Basic realm="registry"')).toBe(true);
    expect(calls).toHaveLength(0);
  });

  it('no credentials and a Basic challenge: nothing to retry with', async () => {
    const { auth } = setup({ credentials: {} });
    expect(auth.header(REGISTRY)).toBeUndefined();
    expect(await auth.onUnauthorized(REGISTRY, undefined, 'Basic realm="registry"')).toBe(false);
  });

  it('a registry token from the auth file is sent as Bearer, and not exchanged at a realm', async () => {
    const { auth, calls } = setup({ credentials: { 'registry.example:5000': { token: 'static' } } });
    expect(auth.header(REGISTRY)).toBe('Bearer static');
    expect(await auth.onUnauthorized(REGISTRY, 'Bearer static', challenge('https://auth.example/token'))).toBe(false);
    expect(calls).toHaveLength(0);
  });
});
