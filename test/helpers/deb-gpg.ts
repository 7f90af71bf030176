/**
 * A throwaway GnuPG home with an Ed25519 signing key, for signing test upstreams the way real
 * archives are signed (gpg --clearsign / --detach-sign). argv only, never a shell.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GpgKey {
  home: string;
  publicArmored: string;
  fingerprint: string;
  /** Clear-signs `input` into `output` (InRelease). */
  clearsign(input: string, output: string): Promise<void>;
  /** Armored detached signature of `input` into `output` (Release.gpg). */
  detachSign(input: string, output: string): Promise<void>;
  destroy(): Promise<void>;
}

export async function makeGpgKey(name = 'Ferry Test Upstream'): Promise<GpgKey> {
  const home = await mkdtemp(join(tmpdir(), 'ferry-gpg-'));
  const gpg = (args: string[]) => run('gpg', ['--homedir', home, '--batch', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { maxBuffer: 1 << 24 });
  await gpg(['--quick-gen-key', `${name} <test@example.invalid>`, 'ed25519', 'sign', 'never']);
  const { stdout: listing } = await gpg(['--with-colons', '--list-keys']);
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1] ?? '';
  const { stdout: publicArmored } = await gpg(['--armor', '--export', fingerprint]);
  return {
    home,
    publicArmored,
    fingerprint,
    clearsign: async (input, output) => {
      await gpg(['--yes', '--digest-algo', 'SHA256', '--local-user', fingerprint, '--output', output, '--clearsign', input]);
    },
    detachSign: async (input, output) => {
      await gpg(['--yes', '--digest-algo', 'SHA256', '--local-user', fingerprint, '--armor', '--output', output, '--detach-sign', input]);
    },
    destroy: async () => {
      await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
