/**
 * OpenPGP for Release files, with openpgp.js (RFC 9580 / RFC 4880): verifying an upstream's
 * InRelease (cleartext signature) or Release + Release.gpg (detached) against the keys the model
 * gives, and signing the Release files Ferry publishes.
 *
 * openpgp.js rather than gpg/gpgv: no keyring directories, agent sockets or temporary homes to
 * manage and clean, no output parsing, and it runs inside the process on every platform. apt
 * (gpgv) checks what it signs in the end-to-end test. Signatures are made deterministic
 * (EdDSA, no random salt notation, creation time = the Release's Date) so that an unchanged
 * mirror publishes byte-identical InRelease and Release.gpg files.
 */
import type * as OpenPgp from 'openpgp';
import { FerryError } from '../core/ferry-error.js';

let loading: Promise<typeof OpenPgp> | undefined;

/** openpgp.js, loaded on first use (about 120 ms): an unchanged mirror never needs it. */
function pgp(): Promise<typeof OpenPgp> {
  return (loading ??= import('openpgp'));
}

export interface VerifyInput {
  /** The InRelease bytes, if upstream has one. */
  inRelease?: Uint8Array;
  /** Release and Release.gpg, used when InRelease is absent. */
  release?: Uint8Array;
  releaseGpg?: Uint8Array;
  /** Armored public keys that may sign. */
  keys: string[];
  /** For error data. */
  url: string;
  resource: string;
}

async function readKeys(armored: string[], resource: string): Promise<OpenPgp.PublicKey[]> {
  const openpgp = await pgp();
  const out: OpenPgp.PublicKey[] = [];
  for (const [i, text] of armored.entries()) {
    try {
      out.push(...(await openpgp.readKeys({ armoredKeys: text })));
    } catch (e) {
      throw new FerryError('FERRY_INVALID_MODEL', `${resource}: keys[${i}] is not an OpenPGP public key: ${(e as Error).message}`, { resource, path: `keys[${i}]` }, e);
    }
  }
  return out;
}

async function firstValid(sigs: Array<{ verified: Promise<boolean>; keyID: { toHex(): string } }>): Promise<string | undefined> {
  for (const s of sigs) {
    try {
      if (await s.verified) return s.keyID.toHex();
    } catch {
      // try the next signature
    }
  }
  return undefined;
}

/**
 * Checks the signature and returns the signed Release text. Throws FERRY_BAD_SIGNATURE naming
 * the URL when no signature verifies against `keys`.
 */
export async function verifyRelease(input: VerifyInput): Promise<{ text: string; keyId: string }> {
  const openpgp = await pgp();
  const keys = await readKeys(input.keys, input.resource);
  const bad = (why: string, cause?: unknown) =>
    new FerryError('FERRY_BAD_SIGNATURE', `${input.resource}: ${input.url}: signature does not verify: ${why}`, { resource: input.resource, url: input.url, field: 'signature' }, cause);
  if (keys.length === 0) throw bad('no keys configured (spec.keys)');
  try {
    if (input.inRelease) {
      const message = await openpgp.readCleartextMessage({ cleartextMessage: Buffer.from(input.inRelease).toString('utf8') });
      const result = await openpgp.verify({ message, verificationKeys: keys, expectSigned: false });
      const keyId = await firstValid(result.signatures);
      if (!keyId) throw bad('no signature by a configured key');
      return { text: String(result.data), keyId };
    }
    if (input.release && input.releaseGpg) {
      const gpg = Buffer.from(input.releaseGpg);
      const signature = gpg.subarray(0, 40).toString('latin1').includes('-----BEGIN PGP')
        ? await openpgp.readSignature({ armoredSignature: gpg.toString('utf8') })
        : await openpgp.readSignature({ binarySignature: gpg });
      const message = await openpgp.createMessage({ binary: input.release });
      const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
      const keyId = await firstValid(result.signatures);
      if (!keyId) throw bad('no signature by a configured key');
      return { text: Buffer.from(input.release).toString('utf8'), keyId };
    }
  } catch (e) {
    if (e instanceof FerryError) throw e;
    throw bad((e as Error).message, e);
  }
  throw bad('neither InRelease nor Release.gpg found');
}

/** Armors a binary (.gpg) public key fetched from `url`; FERRY_BAD_SIGNATURE if it is not one. */
export async function armorBinaryKey(bytes: Uint8Array, url: string, resource: string): Promise<string> {
  const openpgp = await pgp();
  try {
    return (await openpgp.readKeys({ binaryKeys: bytes })).map((k) => k.armor()).join('\n');
  } catch (e) {
    throw new FerryError('FERRY_BAD_SIGNATURE', `${resource}: ${url}: not an OpenPGP public key: ${(e as Error).message}`, { resource, url, field: 'key_urls' }, e);
  }
}

export interface SigningKey {
  key: OpenPgp.PrivateKey;
  /** Armored public key, published at the mirror root. */
  publicArmored: string;
  /** Binary (non-armored) public key, for keyrings in `.gpg` format. */
  publicBinary: Uint8Array;
  fingerprint: string;
}

/** Reads an armored private key (unencrypted). */
export async function readSigningKey(armored: string): Promise<SigningKey> {
  const openpgp = await pgp();
  const key = await openpgp.readPrivateKey({ armoredKey: armored });
  const pub = key.toPublic();
  return { key, publicArmored: pub.armor(), publicBinary: pub.write(), fingerprint: key.getFingerprint() };
}

/** Generates an Ed25519 signing key (OpenPGP v4, which gpgv in Debian 12 reads). */
export async function generateSigningKey(options: { name: string; date?: Date }): Promise<string> {
  const openpgp = await pgp();
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: options.name }],
    date: options.date,
    format: 'armored',
  });
  return privateKey;
}

export interface SignedRelease {
  inRelease: Uint8Array;
  releaseGpg: Uint8Array;
}

const DETERMINISTIC = { nonDeterministicSignaturesViaNotation: false } as const;

/** Signs Release text as InRelease (cleartext) and Release.gpg (armored detached), dated `date`. */
export async function signRelease(text: string, key: SigningKey, date: Date): Promise<SignedRelease> {
  const openpgp = await pgp();
  const when = new Date(Math.max(date.getTime(), key.key.getCreationTime().getTime()));
  const clear = await openpgp.sign({
    message: await openpgp.createCleartextMessage({ text }),
    signingKeys: key.key,
    date: when,
    config: DETERMINISTIC,
  });
  const detached = await openpgp.sign({
    message: await openpgp.createMessage({ binary: Buffer.from(text, 'utf8') }),
    signingKeys: key.key,
    detached: true,
    date: when,
    config: DETERMINISTIC,
  });
  return { inRelease: Buffer.from(clear, 'utf8'), releaseGpg: Buffer.from(detached, 'utf8') };
}
