/**
 * The commit-signature policy's trust anchors: OpenPGP public keys (armored files) and an ssh
 * allowed_signers file. Loaded once at start; a key file that does not parse stops the start.
 */
import { readFile, stat } from 'node:fs/promises';
import { readKeys, type PublicKey } from 'openpgp';
import { FerryError } from '../../core/ferry-error.js';

export interface SignaturePolicyConfig {
  /** OpenPGP public keys (armored files) trusted to sign commits. */
  openpgpKeys: string[];
  /** An ssh allowed_signers file (ssh-keygen(1) ALLOWED SIGNERS). */
  sshAllowedSigners?: string;
}

export interface TrustedKeys {
  openpgp: PublicKey[];
  sshAllowedSigners?: string;
}

export async function loadTrustedKeys(policy: SignaturePolicyConfig): Promise<TrustedKeys> {
  const keys: PublicKey[] = [];
  for (const file of policy.openpgpKeys) {
    try {
      const parsed = await readKeys({ armoredKeys: await readFile(file, 'utf8') });
      for (const key of parsed) keys.push(key.toPublic());
    } catch (e) {
      throw new FerryError('FERRY_USAGE', `cannot read the OpenPGP key file ${file}: ${(e as Error).message}`, { file }, e);
    }
  }
  if (policy.sshAllowedSigners) {
    await stat(policy.sshAllowedSigners).catch((e: unknown) => {
      throw new FerryError('FERRY_USAGE', `cannot read the ssh allowed_signers file ${policy.sshAllowedSigners}`, { file: policy.sshAllowedSigners }, e);
    });
  }
  return { openpgp: keys, sshAllowedSigners: policy.sshAllowedSigners };
}
