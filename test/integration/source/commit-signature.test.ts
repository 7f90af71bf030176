import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import { createMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { verifyCommitSignature } from '../../../src/source/signatures/verify-commit.js';
import { loadTrustedKeys } from '../../../src/source/signatures/trusted-keys.js';
import { FerryError } from '../../../src/core/ferry-error.js';
import { git as gitCli } from '../controller/git-server.js';

const run = promisify(execFile);
const author = { name: 'Alice', email: 'alice@example.org', timestamp: 1700000000, timezoneOffset: 0 };

async function pgpCommit(dir: string, armoredPrivate: string, message: string): Promise<string> {
  await writeFile(join(dir, `${message}.yml`), `m: ${message}\n`);
  await git.add({ fs, dir, filepath: `${message}.yml` });
  return git.commit({
    fs,
    dir,
    message,
    author,
    signingKey: armoredPrivate,
    onSign: async ({ payload, secretKey }) => {
      const key = await readPrivateKey({ armoredKey: secretKey });
      const signature = await sign({ message: await createMessage({ binary: new TextEncoder().encode(payload) }), signingKeys: key, detached: true, format: 'armored' });
      return { signature: signature as string };
    },
  });
}

describe('commit signature policy (OpenPGP via openpgp.js, SSH via ssh-keygen -Y verify)', () => {
  let tmp: string;
  let dir: string;
  let trustedPgp: { privateKey: string; publicKey: string };
  let otherPgp: { privateKey: string; publicKey: string };
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ferry-sig-'));
    dir = join(tmp, 'repo');
    await run('git', ['init', '-q', '-b', 'main', dir]);
    trustedPgp = await generateKey({ userIDs: [{ name: 'Alice', email: 'alice@example.org' }], type: 'ecc', curve: 'curve25519Legacy', format: 'armored' });
    otherPgp = await generateKey({ userIDs: [{ name: 'Mallory', email: 'mallory@example.org' }], type: 'ecc', curve: 'curve25519Legacy', format: 'armored' });
    await writeFile(join(tmp, 'alice.asc'), trustedPgp.publicKey);
    for (const who of ['alice', 'mallory']) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', who, '-f', join(tmp, `${who}_ssh`)]);
    const alicePub = (await readFile(join(tmp, 'alice_ssh.pub'), 'utf8')).trim();
    await writeFile(join(tmp, 'allowed_signers'), `alice@example.org namespaces="git" ${alicePub}\n`);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function verifyRev(rev: string) {
    const trusted = await loadTrustedKeys({ openpgpKeys: [join(tmp, 'alice.asc')], sshAllowedSigners: join(tmp, 'allowed_signers') });
    return verifyCommitSignature({ gitdir: join(dir, '.git'), revision: rev, trusted });
  }
  async function rejection(rev: string): Promise<FerryError> {
    const e = await verifyRev(rev).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(FerryError);
    expect((e as FerryError).code).toBe('FERRY_UNTRUSTED_COMMIT');
    expect((e as FerryError).errorClass).toBe('stalled');
    return e as FerryError;
  }

  it('accepts a commit signed by a trusted OpenPGP key, rejects another key', async () => {
    const good = await pgpCommit(dir, trustedPgp.privateKey, 'pgp-good');
    expect(await verifyRev(good)).toMatchObject({ method: 'openpgp' });
    const bad = await pgpCommit(dir, otherPgp.privateKey, 'pgp-bad');
    expect((await rejection(bad)).message).toMatch(/no trusted OpenPGP key/);
  });

  it('accepts a commit signed by an allowed ssh key, rejects an unknown key and an unsigned commit', async () => {
    const sshCommit = async (who: string, name: string) => {
      await writeFile(join(dir, `${name}.yml`), `x: 1\n`);
      await gitCli(dir, ['add', '.']);
      await gitCli(dir, ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(tmp, `${who}_ssh`)}`, 'commit', '-q', '-S', '-m', name]);
      return gitCli(dir, ['rev-parse', 'HEAD']);
    };
    expect(await verifyRev(await sshCommit('alice', 'ssh-good'))).toEqual({ method: 'ssh', signer: 'alice@example.org' });
    expect((await rejection(await sshCommit('mallory', 'ssh-bad'))).message).toMatch(/not in allowed_signers/);
    await writeFile(join(dir, 'unsigned.yml'), 'u: 1\n');
    await gitCli(dir, ['add', '.']);
    await gitCli(dir, ['commit', '-q', '-m', 'unsigned']);
    expect((await rejection(await gitCli(dir, ['rev-parse', 'HEAD']))).message).toMatch(/not signed/);
  });
});
