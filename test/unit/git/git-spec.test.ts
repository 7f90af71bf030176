import { describe, expect, it } from '@jest/globals';
import { FerryError } from '../../../src/core/ferry-error.js';
import { DEFAULT_REF_PATTERNS, checkRefPattern, parseGitSpec } from '../../../src/drivers/git/git-spec.js';

const url = 'http://git.example.org/nginx.git';
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as FerryError).code;
  }
};

describe('parseGitSpec', () => {
  it('normalises names, defaults the refs, sorts by published folder', () => {
    const repos = parseGitSpec({ repositories: [{ name: 'salt-formulas/nginx.git', url }, { name: './a', url, refs: ['master'] }] }, 'git/m');
    expect(repos).toEqual([
      { name: 'a', url, refs: ['master'], dir: 'a.git', ssh: {} },
      { name: 'salt-formulas/nginx', url, refs: [...DEFAULT_REF_PATTERNS], dir: 'salt-formulas/nginx.git', ssh: {} },
    ]);
  });

  it.each([
    ['a path escaping the mirror', '../etc', 'FERRY_UNSAFE_PATH'],
    ['an absolute path', '/srv/x', 'FERRY_UNSAFE_PATH'],
    ['a hidden segment', 'a/.hidden', 'FERRY_INVALID_MODEL'],
    ['a folder ending in .git (would nest repositories)', 'a.git/b', 'FERRY_INVALID_MODEL'],
    ['a space', 'my repo', 'FERRY_INVALID_MODEL'],
  ])('rejects %s', (_what, name, code) => {
    expect(codeOf(() => parseGitSpec({ repositories: [{ name, url }] }, 'git/m'))).toBe(code);
  });

  it('rejects two repositories published at the same folder', () => {
    const error = (() => {
      try {
        parseGitSpec({ repositories: [{ name: 'x', url }, { name: 'x.git', url: 'http://other/x.git' }] }, 'git/m');
      } catch (e) {
        return e as FerryError;
      }
    })();
    expect(error?.code).toBe('FERRY_INVALID_MODEL');
    expect(error?.message).toMatch(/x\.git/);
  });

  it('takes http(s), ssh and git URLs, with the mirror ssh key and known_hosts files', () => {
    const ssh = { ssh_key_file: '/etc/ferry/id_ed25519', ssh_known_hosts_file: '/etc/ferry/known_hosts' };
    const repos = parseGitSpec({ repositories: [{ name: 'a', url: 'ssh://git@host:29418/a.git' }, { name: 'b', url: 'git://host/b.git' }, { name: 'c', url: 'https://host/c.git' }], ...ssh }, 'git/m');
    expect(repos.map((r) => r.url)).toEqual(['ssh://git@host:29418/a.git', 'git://host/b.git', 'https://host/c.git']);
    expect(repos[0].ssh).toEqual({ keyFile: '/etc/ferry/id_ed25519', knownHostsFile: '/etc/ferry/known_hosts' });
  });

  it.each([['file:///srv/a.git'], ['ftp://host/a.git'], ['git@host:a.git'], ['ssh:///a.git']])('rejects the URL %s', (bad) => {
    expect(codeOf(() => parseGitSpec({ repositories: [{ name: 'a', url: bad }] }, 'git/m'))).toBe('FERRY_INVALID_MODEL');
  });

  it('rejects empty repository lists, redacting credentials', () => {
    expect(codeOf(() => parseGitSpec({ repositories: [] }, 'git/m'))).toBe('FERRY_INVALID_MODEL');
    try {
      parseGitSpec({ repositories: [{ name: '../a', url: 'http://u:pw@host/a.git' }] }, 'git/m');
    } catch (e) {
      expect(JSON.stringify((e as FerryError).toJSON())).not.toContain(':pw@');
    }
  });

  it('rejects an empty ref list', () => {
    expect(codeOf(() => parseGitSpec({ repositories: [{ name: 'a', url, refs: [] }] }, 'git/m'))).toBe('FERRY_INVALID_MODEL');
  });
});

describe('checkRefPattern', () => {
  const ctx = { repository: 'a', url };
  it.each(['master', 'release/2024.1', 'refs/heads/*', 'refs/tags/v*', 'refs/heads/stable/*', 'v1.0'])('accepts %s', (p) => {
    expect(checkRefPattern(p, ctx)).toBe(p);
  });
  it.each(['', 'a..b', 'refs/changes/*', 'refs/pull/1/head', 'a b', 'x:y', 'a*b*', 'HEAD@{1}', 'x.lock', '-/a/', '.hidden', 'a\u0001'])('rejects %j', (p) => {
    expect(codeOf(() => checkRefPattern(p, ctx))).toBe('FERRY_INVALID_MODEL');
  });
});
