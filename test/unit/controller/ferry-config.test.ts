import { describe, it, expect } from '@jest/globals';
import { join } from 'node:path';
import { loadControllerConfig, parseControllerConfig } from '../../../src/controller/config/ferry-config.js';
import { parseDuration } from '../../../src/controller/config/duration.js';
import { jitteredDelay } from '../../../src/controller/triggers/poller.js';
import { FerryError } from '../../../src/core/ferry-error.js';

const git = { git: { url: 'https://gerrit.example.org/a/model', branch: 'master' } };

describe('ferry.yaml', () => {
  it('reads the sample in deploy/ with its defaults', async () => {
    const c = await loadControllerConfig(join(process.cwd(), 'deploy', 'ferry.yaml'));
    expect(c.source).toMatchObject({ kind: 'git', branch: 'master', cloneDir: '/var/lib/ferry/git/model.git' });
    expect(c.poll).toEqual({ intervalMs: 300_000, jitter: 0.2 });
    expect(c.reconcile).toEqual({ timeoutMs: 7_200_000, backoffBaseMs: 10_000, backoffMaxMs: 600_000 });
    expect(c.webhooks.gerrit).toEqual([{ env: undefined, file: '/run/credentials/ferry.service/gerrit-token' }]);
    expect(c.watch).toBeUndefined();
  });

  it.each([
    ['no source', {}, /source/],
    ['credentials in the URL', { source: { git: { url: 'https://u:p@h/x' } } }, /credentials do not belong/],
    ['a secret written inline', { source: git, webhooks: { github: { secret: 'x', secretEnv: 'X' } } }, /not written in ferry.yaml/],
    ['a password written inline', { source: { git: { ...git.git, auth: { password: 'x' } } } }, /passwordEnv/],
    ['a bad duration', { source: git, poll: { interval: 'soon' } }, /poll.interval/],
    ['a bad port', { source: git, listen: { port: 70000 } }, /listen.port/],
    ['watch with a git source', { source: git, watch: { debounce: '1s' } }, /only a local model/],
    ['signatures without keys', { source: git, signatures: {} }, /trusted keys/],
  ])('refuses %s', (_name, raw, message) => {
    const run = () => parseControllerConfig(raw, '/etc/ferry');
    expect(run).toThrow(FerryError);
    expect(run).toThrow(message);
  });

  it('a local model folder is watched by default, paths are relative to the file', () => {
    const c = parseControllerConfig({ source: { dir: 'model' }, poll: false }, '/home/me');
    expect(c.source).toEqual({ kind: 'dir', dir: '/home/me/model' });
    expect(c.watch).toEqual({ debounceMs: 300 });
    expect(c.poll).toBeUndefined();
    expect(c.stateDir).toBe('/home/me/ferry-state');
  });

  it('parses durations', () => {
    expect(['300ms', '10s', '5m', '2h', '1h30m', 90, '1.5s'].map((d) => parseDuration(d, 'x'))).toEqual([300, 10_000, 300_000, 7_200_000, 5_400_000, 90_000, 1500]);
    expect(() => parseDuration('5 minutes', 'x')).toThrow(/duration/);
  });

  it('spreads polls by the jitter', () => {
    expect(jitteredDelay(1000, 0.2, () => 0)).toBe(800);
    expect(jitteredDelay(1000, 0.2, () => 1)).toBe(1200);
    expect(jitteredDelay(1000, 0, () => 0.3)).toBe(1000);
  });
});
