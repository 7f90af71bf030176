import { describe, expect, it } from '@jest/globals';
import { parseChallenges } from '../../../src/transport/www-authenticate.js';
import { credentialsFromAuthFile } from '../../../src/transport/authenticator.js';

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } }],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['Basic realm="a", Bearer realm="b", error=invalid_token', [{ scheme: 'basic', params: { realm: 'a' } }, { scheme: 'bearer', params: { realm: 'b', error: 'invalid_token' } }]],
    ['Bearer realm="q\\"uote",scope="a b"', [{ scheme: 'bearer', params: { realm: 'q"uote', scope: 'a b' } }]],
    ['Negotiate abc123==', [{ scheme: 'negotiate', params: { token68: 'abc123==' } }]],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe('credentialsFromAuthFile', () => {
  it('reads containers-auth.json and docker config.json entries', () => {
    const file = JSON.stringify({
      auths: {
        'registry.example:5000': { auth: Buffer.from('bob:pa:ss').toString('base64') },
        'https://other.example/v2/': { username: 'al', password: 'x' },
        'tok.example': { registrytoken: 't0k' },
        'empty.example': {},
      },
    });
    expect(credentialsFromAuthFile(file, 'auth.json')).toEqual({
      'registry.example:5000': { username: 'bob', password: 'pa:ss' },
      'https://other.example': { username: 'al', password: 'x' },
      'tok.example': { token: 't0k' },
    });
  });
});
