import { describe, expect, it } from '@jest/globals';
import { FerryError } from '../../../src/core/ferry-error.js';
import { configEnv, scrub } from '../../../src/drivers/git/git-cli.js';
import { parseLsRemote, refspecsFor } from '../../../src/drivers/git/mirror-cache.js';
import { guessHeadTarget } from '../../../src/drivers/git/select-refs.js';
import { matchSmartHttp } from '../../../src/drivers/git/smart-http.js';
import { parseGitmodules } from '../../../src/drivers/git/submodules.js';
import { upstreamAccess } from '../../../src/drivers/git/upstream-auth.js';

describe('upstreamAccess', () => {
  it('moves http credentials into an Authorization header scoped to the origin', () => {
    const a = upstreamAccess('https://bot:s%40cret@git.example.org:8443/a/nginx.git');
    expect(a.url).toBe('https://git.example.org:8443/a/nginx.git');
    const basic = Buffer.from('bot:s@cret').toString('base64');
    expect(a.config).toEqual([['http.https://git.example.org:8443/.extraHeader', `Authorization: Basic ${basic}`]]);
    expect(a.secrets).toEqual(expect.arrayContaining(['s@cret', basic]));
    expect(JSON.stringify(configEnv(a.config))).not.toContain('s@cret');
  });

  it('leaves URLs without credentials alone', () => {
    expect(upstreamAccess('http://h/a.git')).toEqual({ url: 'http://h/a.git', config: [], env: {}, secrets: [] });
    expect(upstreamAccess('git://h/a.git').env).toEqual({});
  });

  it('runs ssh in batch mode with the key and strict known hosts', () => {
    const a = upstreamAccess('ssh://git@h:29418/a.git', { keyFile: '/etc/ferry/key', knownHostsFile: '/etc/ferry/known_hosts' });
    expect(a.env.GIT_SSH_COMMAND).toBe('ssh -o BatchMode=yes -o IdentitiesOnly=yes -i /etc/ferry/key -o UserKnownHostsFile=/etc/ferry/known_hosts -o StrictHostKeyChecking=yes');
    expect(() => upstreamAccess('ssh://git@h/a.git', { keyFile: '/etc/my key;rm -rf /' })).toThrow(FerryError);
    expect(() => upstreamAccess('ssh://git:pw@h/a.git')).toThrow(/no password/);
  });

  it('scrub cuts every form of a secret out of a message', () => {
    expect(scrub('fatal: https://u:p@ss@h/ and p%40ss', ['p@ss'])).toBe('fatal: https://u:***@h/ and ***');
  });
});

describe('parseLsRemote', () => {
  it('reads HEAD, refs and peeled tags', () => {
    const a = '1'.repeat(40);
    const t = '2'.repeat(40);
    const out = parseLsRemote(`ref: refs/heads/main\tHEAD\n${a}\tHEAD\n${a}\trefs/heads/main\n${t}\trefs/tags/v1\n${a}\trefs/tags/v1^{}\n`);
    expect(out.advertised).toEqual([
      { ref: 'HEAD', oid: a, target: 'refs/heads/main' },
      { ref: 'refs/heads/main', oid: a, target: undefined },
      { ref: 'refs/tags/v1', oid: t, target: undefined },
    ]);
    expect(out.peeled).toEqual({ 'refs/tags/v1': a });
  });
});

describe('matchSmartHttp', () => {
  it.each([
    [['git', 'm', 'a.git', 'info', 'refs'], '?service=git-upload-pack', 'GET', { repository: ['git', 'm', 'a.git'], endpoint: 'info/refs', refused: false }],
    [['git', 'm', 'x', 'a.git', 'git-upload-pack'], '', 'POST', { repository: ['git', 'm', 'x', 'a.git'], endpoint: 'git-upload-pack', refused: false }],
    [['git', 'm', 'a.git', 'info', 'refs'], '?service=git-receive-pack', 'GET', { repository: ['git', 'm', 'a.git'], endpoint: 'info/refs', refused: true }],
    [['git', 'm', 'a.git', 'git-receive-pack'], '', 'POST', { repository: ['git', 'm', 'a.git'], endpoint: 'git-upload-pack', refused: true }],
    [['git', 'm', 'a.git', 'info', 'refs'], '', 'GET', undefined],
    [['git', 'm', 'a.git', 'objects', 'info', 'packs'], '', 'GET', undefined],
    [['deb', 'm', 'a.git', 'info', 'refs'], '?service=git-upload-pack', 'GET', undefined],
    [['git', 'm', 'a', 'info', 'refs'], '?service=git-upload-pack', 'GET', undefined],
  ])('%j %s %s', (segments, query, method, expected) => {
    expect(matchSmartHttp(segments, query, method)).toEqual(expected);
  });
});

describe('parseGitmodules', () => {
  it('reads path and url of each submodule, redacting credentials', () => {
    const text = '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://u:pw@git.example.org/lib.git\n# comment\n[submodule "x"]\n\tpath = x\n[core]\n\turl = nope\n';
    expect(parseGitmodules(text)).toEqual([{ path: 'vendor/lib', url: 'https://***:***@git.example.org/lib.git' }]);
  });
});

describe('refspecsFor', () => {
  it('keeps globs as globs (short ones for branches and tags) and names exact refs in full', () => {
    const known = (p: string) => ({ master: 'refs/heads/master', 'v1.0': 'refs/tags/v1.0' })[p];
    expect(refspecsFor(['master', 'release/*', 'refs/tags/*', 'v1.0', 'refs/heads/dev'], known)).toEqual([
      '+refs/heads/master:refs/heads/master',
      '+refs/heads/release/*:refs/heads/release/*',
      '+refs/tags/release/*:refs/tags/release/*',
      '+refs/tags/*:refs/tags/*',
      '+refs/tags/v1.0:refs/tags/v1.0',
      '+refs/heads/dev:refs/heads/dev',
    ]);
    expect(refspecsFor(['master', 'other'], known)).toBeUndefined();
  });
});

describe('guessHeadTarget', () => {
  const a = '1'.repeat(40);
  const b = '2'.repeat(40);
  const refs = [
    { ref: 'HEAD', oid: a },
    { ref: 'refs/heads/zeta', oid: a },
    { ref: 'refs/heads/main', oid: a },
    { ref: 'refs/heads/dev', oid: b },
  ];
  it('picks the branch at HEAD: the last known, then master, main, then by name', () => {
    expect(guessHeadTarget(refs)).toBe('refs/heads/main');
    expect(guessHeadTarget(refs, 'refs/heads/zeta')).toBe('refs/heads/zeta');
    expect(guessHeadTarget(refs, 'refs/heads/dev')).toBe('refs/heads/main');
    expect(guessHeadTarget([{ ref: 'HEAD', oid: b }, ...refs.slice(1)])).toBe('refs/heads/dev');
    expect(guessHeadTarget(refs.slice(1))).toBeUndefined();
    expect(guessHeadTarget([{ ref: 'HEAD', oid: a, target: 'refs/heads/x' }])).toBe('refs/heads/x');
  });
});
