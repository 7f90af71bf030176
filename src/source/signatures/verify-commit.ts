/**
 * The commit-signature policy: a commit is reconciled only if it carries a signature (gpgsig)
 * that verifies against a trusted OpenPGP key or an ssh allowed_signers entry. Otherwise it
 * throws FERRY_UNTRUSTED_COMMIT (stalled: only a new, signed commit moves things on).
 */
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { createMessage, readSignature, verify } from 'openpgp';
import { FerryError } from '../../core/ferry-error.js';
import { splitSignedCommit } from './split-signed-commit.js';
import { verifySshSignature } from './ssh-verify.js';
import type { TrustedKeys } from './trusted-keys.js';

export interface CommitSigner {
  method: 'openpgp' | 'ssh';
  /** OpenPGP key id (hex) or ssh principal. */
  signer: string;
}

function untrusted(revision: string, reason: string): FerryError {
  return new FerryError('FERRY_UNTRUSTED_COMMIT', `commit ${revision.slice(0, 12)} is not trusted: ${reason}`, { revision, reason });
}

async function verifyOpenpgp(payload: string, armored: string, keys: TrustedKeys['openpgp']): Promise<{ ok: true; signer: string } | { ok: false; reason: string }> {
  if (keys.length === 0) return { ok: false, reason: 'signed with OpenPGP but no OpenPGP key is trusted' };
  try {
    const signature = await readSignature({ armoredSignature: armored });
    const message = await createMessage({ binary: new TextEncoder().encode(payload) });
    const result = await verify({ message, signature, verificationKeys: keys });
    for (const s of result.signatures) {
      try {
        await s.verified;
        return { ok: true, signer: s.keyID.toHex() };
      } catch {
        // try the next signature packet
      }
    }
    const ids = result.signatures.map((s) => s.keyID.toHex()).join(', ');
    return { ok: false, reason: `no trusted OpenPGP key made this signature (key ${ids || 'unknown'})` };
  } catch (e) {
    return { ok: false, reason: `unreadable OpenPGP signature: ${(e as Error).message}` };
  }
}

export async function verifyCommitSignature(options: { gitdir: string; revision: string; trusted: TrustedKeys; signal?: AbortSignal }): Promise<CommitSigner> {
  const { revision, trusted } = options;
  const { object } = await git.readObject({ fs, gitdir: options.gitdir, oid: revision, format: 'content' });
  const { payload, signature: sig } = splitSignedCommit(new TextDecoder().decode(object as Uint8Array));
  if (!sig) throw untrusted(revision, 'it is not signed');
  if (sig.includes('-----BEGIN SSH SIGNATURE-----')) {
    if (!trusted.sshAllowedSigners) throw untrusted(revision, 'signed with ssh but no allowed_signers file is configured');
    const r = await verifySshSignature({ payload, signature: sig, allowedSigners: trusted.sshAllowedSigners, signal: options.signal });
    if (!r.ok) throw untrusted(revision, r.reason);
    return { method: 'ssh', signer: r.signer };
  }
  if (sig.includes('-----BEGIN PGP SIGNATURE-----')) {
    const r = await verifyOpenpgp(payload, sig, trusted.openpgp);
    if (!r.ok) throw untrusted(revision, r.reason);
    return { method: 'openpgp', signer: r.signer };
  }
  throw untrusted(revision, 'the signature is of an unknown kind (x509?)');
}
