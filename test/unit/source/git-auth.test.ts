import { describe, it, expect } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeGitAuth, gitAuthFromEnv, gitAuthHeaders, resolveGitAuth } from '../../../src/source/git/git-auth.js';

describe('git credentials', () => {
  it('reads env and files, builds one Authorization header, describes without the secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-auth-'));
    try {
      await writeFile(join(dir, 'pw'), 'file-secret\n');
      const basic = await resolveGitAuth({ username: 'bot', passwordFile: join(dir, 'pw') });
      expect(basic).toEqual({ username: 'bot', password: 'file-secret', token: undefined });
      expect(gitAuthHeaders(basic)).toEqual({ authorization: `Basic ${Buffer.from('bot:file-secret').toString('base64')}` });
      expect(describeGitAuth(basic)).toBe('basic (user bot)');
      const bearer = await resolveGitAuth({ tokenEnv: 'T' }, { env: { T: 'tok-secret' } });
      expect(gitAuthHeaders(bearer)).toEqual({ authorization: 'Bearer tok-secret' });
      expect(describeGitAuth(bearer)).not.toContain('tok-secret');
      await expect(resolveGitAuth({ passwordEnv: 'MISSING' }, { env: {} })).rejects.toThrow(/MISSING is not set/);
      expect(await gitAuthFromEnv({})).toBeUndefined();
      expect(await gitAuthFromEnv({ FERRY_GIT_USERNAME: 'ci', FERRY_GIT_PASSWORD_FILE: join(dir, 'pw') })).toMatchObject({ username: 'ci', password: 'file-secret' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
