import { describe, it, expect } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { parseGerritHook } from '../../../src/controller/triggers/gerrit-hook.js';
import { parseGithubHook } from '../../../src/controller/triggers/github-hook.js';
import { parseGiteaHook } from '../../../src/controller/triggers/gitea-hook.js';
import { parseGitlabHook } from '../../../src/controller/triggers/gitlab-hook.js';
import { safeEqual, safeEqualAny } from '../../../src/controller/triggers/constant-time.js';

const target = { branch: 'main' };
const REV = '0123456789abcdef0123456789abcdef01234567';
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const refUpdated = (refName: string) => json({ type: 'ref-updated', refUpdate: { project: 'mcp/model', refName, oldRev: '0'.repeat(40), newRev: REV } });
const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

describe('constant-time comparison', () => {
  it('compares any lengths without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    expect(safeEqualAny('t2', ['t1', 't2', 't3'])).toBe(true);
    expect(safeEqualAny('t9', ['t1', 't2'])).toBe(false);
  });
});

describe('Gerrit webhooks plugin payloads', () => {
  const tokens = ['tok-1', 'tok-2'];
  it.each([
    ['ref-updated on refs/heads/main', refUpdated('refs/heads/main'), { status: 202, accepted: true, ref: 'refs/heads/main', hint: REV }],
    ['ref-updated with a bare branch name (older Gerrit)', refUpdated('main'), { status: 202, accepted: true }],
    ['ref-updated on another branch', refUpdated('refs/heads/stable'), { status: 202, accepted: false }],
    ['a patchset ref', refUpdated('refs/changes/34/1234/2'), { status: 202, accepted: false }],
    ['refs/meta/config', refUpdated('refs/meta/config'), { status: 202, accepted: false }],
    ['a ref named like the branch under refs/changes', refUpdated('refs/changes/main'), { status: 202, accepted: false }],
    ['change-merged on main', json({ type: 'change-merged', change: { project: 'mcp/model', branch: 'main' }, newRev: REV }), { status: 202, accepted: true, hint: REV }],
    ['change-merged on another branch', json({ type: 'change-merged', change: { branch: 'dev' }, newRev: REV }), { status: 202, accepted: false }],
    ['patchset-created', json({ type: 'patchset-created', change: { branch: 'main' } }), { status: 202, accepted: false }],
    ['not JSON', Buffer.from('{nope'), { status: 400 }],
  ])('%s', (_name, body, expected) => {
    expect(parseGerritHook({ headers: {}, body, pathToken: 'tok-2' }, target, tokens)).toMatchObject(expected);
  });
  it('401s an unknown or missing token before reading the body', () => {
    expect(parseGerritHook({ headers: {}, body: refUpdated('refs/heads/main'), pathToken: 'tok-3' }, target, tokens).status).toBe(401);
    expect(parseGerritHook({ headers: {}, body: refUpdated('refs/heads/main') }, target, tokens).status).toBe(401);
    expect(parseGerritHook({ headers: {}, body: refUpdated('refs/heads/main'), pathToken: 'tok-1' }, target, []).status).toBe(401);
  });
  it('never passes on a newRev that is not a commit id', () => {
    const body = json({ type: 'ref-updated', refUpdate: { refName: 'refs/heads/main', newRev: '../../etc' } });
    expect(parseGerritHook({ headers: {}, body, pathToken: 'tok-1' }, target, tokens)).toMatchObject({ accepted: true, hint: undefined });
  });
  it('filters on the project when asked', () => {
    expect(parseGerritHook({ headers: {}, body: refUpdated('refs/heads/main'), pathToken: 'tok-1' }, { branch: 'main', project: 'other' }, tokens)).toMatchObject({ accepted: false });
  });
});

describe('GitHub, Gitea and GitLab pushes', () => {
  const secret = 'hook-secret';
  const push = json({ ref: 'refs/heads/main', after: REV, checkout_sha: REV, repository: { full_name: 'org/model' } });
  it('GitHub: a valid HMAC over the raw body triggers; a forged one is 401', () => {
    const ok = parseGithubHook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(secret, push)}` }, body: push }, target, secret);
    expect(ok).toMatchObject({ status: 202, accepted: true, hint: REV });
    const forged = parseGithubHook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac('guess', push)}` }, body: push }, target, secret);
    expect(forged.status).toBe(401);
    const tampered = Buffer.from(push.toString().replace('main', 'mainx'));
    expect(parseGithubHook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(secret, push)}` }, body: tampered }, target, secret).status).toBe(401);
    expect(parseGithubHook({ headers: { 'x-github-event': 'push' }, body: push }, target, secret).status).toBe(401);
    const ping = parseGithubHook({ headers: { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${hmac(secret, push)}` }, body: push }, target, secret);
    expect(ping).toMatchObject({ status: 202, accepted: false });
  });
  it('Gitea: X-Gitea-Signature is the bare hex HMAC', () => {
    expect(parseGiteaHook({ headers: { 'x-gitea-event': 'push', 'x-gitea-signature': hmac(secret, push) }, body: push }, target, secret)).toMatchObject({ accepted: true });
    expect(parseGiteaHook({ headers: { 'x-gitea-event': 'push', 'x-gitea-signature': hmac('x', push) }, body: push }, target, secret).status).toBe(401);
  });
  it('GitLab: X-Gitlab-Token must equal the secret', () => {
    expect(parseGitlabHook({ headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }, body: push }, target, secret)).toMatchObject({ accepted: true, hint: REV });
    expect(parseGitlabHook({ headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }, body: push }, target, secret).status).toBe(401);
    expect(parseGitlabHook({ headers: { 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': secret }, body: push }, target, secret)).toMatchObject({ accepted: false });
  });
});
