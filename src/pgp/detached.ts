/**
 * Detached OpenPGP signatures over arbitrary bytes (a bundle's table of contents): signed with
 * the site key, verified against the armored public keys a receiving site trusts.
 */
import type * as OpenPgp from 'openpgp';
import { FerryError } from '../core/ferry-error.js';
import type { SigningKey } from './signing.js';

let loading: Promise<typeof OpenPgp> | undefined;
const pgp = (): Promise<typeof OpenPgp> => (loading ??= import('openpgp'));

/**
 * An armored detached signature of `bytes`. `deterministic`: no random salt notation, so the same
 * bytes, key and date give the same signature (EdDSA), and an unchanged index is republished
 * byte for byte (rpm's repomd.xml.asc).
 */
export async function signDetached(bytes: Uint8Array, key: SigningKey, date = new Date(), options: { deterministic?: boolean } = {}): Promise<string> {
  const openpgp = await pgp();
  const when = new Date(Math.max(date.getTime(), key.key.getCreationTime().getTime()));
  const config = options.deterministic ? { nonDeterministicSignaturesViaNotation: false } : undefined;
  return openpgp.sign({ message: await openpgp.createMessage({ binary: bytes }), signingKeys: key.key, detached: true, date: when, config });
}

/**
 * Checks an armored detached signature of `bytes` against `armoredKeys`; returns the fingerprint
 * of the key that made it. Throws FERRY_BAD_SIGNATURE naming `what` otherwise.
 */
export async function verifyDetached(bytes: Uint8Array, signature: string, armoredKeys: string[], what: string): Promise<string> {
  const openpgp = await pgp();
  const keys: OpenPgp.PublicKey[] = [];
  for (const [i, text] of armoredKeys.entries()) {
    try {
      keys.push(...(await openpgp.readKeys({ armoredKeys: text })));
    } catch (e) {
      throw new FerryError('FERRY_USAGE', `trusted key ${i + 1} is not an OpenPGP public key: ${(e as Error).message}`, { index: i }, e);
    }
  }
  let parsed: OpenPgp.Signature;
  try {
    parsed = await openpgp.readSignature({ armoredSignature: signature });
  } catch (e) {
    throw new FerryError('FERRY_BAD_SIGNATURE', `${what}: the signature is not an OpenPGP signature: ${(e as Error).message}`, { file: what }, e);
  }
  const result = await openpgp.verify({ message: await openpgp.createMessage({ binary: bytes }), signature: parsed, verificationKeys: keys, expectSigned: false });
  for (const s of result.signatures) {
    try {
      if (await s.verified) {
        const signer = keys.find((k) => k.getKeys(s.keyID).length > 0);
        return signer?.getFingerprint() ?? s.keyID.toHex();
      }
    } catch {
      // not this one
    }
  }
  const ids = result.signatures.map((s) => s.keyID.toHex()).join(', ');
  throw new FerryError('FERRY_BAD_SIGNATURE', `${what}: not signed by a trusted key (signed by ${ids || 'nobody'}; trusted: ${keys.map((k) => k.getFingerprint()).join(', ') || 'none'})`, { file: what, actual: ids, expected: keys.map((k) => k.getFingerprint()) });
}
