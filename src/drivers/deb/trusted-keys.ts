/**
 * Upstream signing keys named by fingerprint (`key_ids`): taken from the site's keyring
 * (`site.keyring`: keyring files or armored blocks), from the keys an earlier snapshot recorded,
 * or from keyservers over HKP/HKPS (draft-shaw-openpgp-hkp: `/pks/lookup?op=get&options=mr`).
 * A fetched key is accepted only when its primary key (or one of its subkeys) has exactly the
 * fingerprint asked for; it is kept without third-party certifications, armored, and recorded
 * in the snapshot (UpstreamState.keys) so that later runs, and an offline site, verify with the
 * same bytes without a keyserver.
 */
import { readFile } from 'node:fs/promises';
import type * as OpenPgp from 'openpgp';
import { FerryError, isFerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import type { DriverContext } from '../types.js';
import { hkpLookupUrl } from './key-ids.js';

let loading: Promise<typeof OpenPgp> | undefined;
const pgp = (): Promise<typeof OpenPgp> => (loading ??= import('openpgp'));

/** Keyserver answers larger than this are refused (a key with every signature is far smaller). */
const MAX_KEY_BYTES = 8 << 20;

export interface KeyIdSources {
  mirror: string;
  fingerprints: string[];
  keyservers: string[];
  /** site.keyring: paths of keyring files, or armored blocks. */
  keyring: string[];
  /** Armored keys by fingerprint, as a snapshot recorded them. */
  recorded: Record<string, string>;
}

export interface ResolvedKeys {
  /** Armored key per fingerprint asked for. */
  keys: Record<string, string>;
  requests: number;
}

const hasFingerprint = (k: OpenPgp.PublicKey, fpr: string) => k.getFingerprint().toUpperCase() === fpr || k.subkeys.some((s) => s.getFingerprint().toUpperCase() === fpr);

/** The key without certifications by other keys: what verifying a Release needs, and small. */
function minimal(key: OpenPgp.PublicKey): string {
  for (const u of key.users) u.otherCertifications = [];
  return key.armor();
}

async function parseKeys(bytes: Uint8Array): Promise<OpenPgp.PublicKey[]> {
  const openpgp = await pgp();
  const text = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (text.includes('-----BEGIN PGP')) return openpgp.readKeys({ armoredKeys: Buffer.from(bytes).toString('utf8') });
  return openpgp.readKeys({ binaryKeys: bytes });
}

async function readKeyring(entries: string[], mirror: string): Promise<OpenPgp.PublicKey[]> {
  const out: OpenPgp.PublicKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const armored = entry.includes('-----BEGIN PGP');
    const where = armored ? `site.keyring[${i}]` : entry;
    try {
      out.push(...(await parseKeys(armored ? Buffer.from(entry, 'utf8') : await readFile(entry))));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not an OpenPGP keyring (armored or binary; a GnuPG keybox .kbx must be exported with gpg --export first): ${(e as Error).message}`;
      throw new FerryError('FERRY_INVALID_MODEL', `${mirror}: ${where}: ${why}`, { resource: mirror, path: `site.keyring[${i}]`, file: armored ? undefined : entry }, e);
    }
  }
  return out;
}

/** Asks each keyserver in turn for `fpr`; the first answer holding that exact key wins. */
async function fromKeyservers(ctx: DriverContext, o: KeyIdSources, fpr: string, count: () => void): Promise<{ key?: string; problems: string[]; unreachable: boolean }> {
  const problems: string[] = [];
  let unreachable = false;
  for (const server of o.keyservers) {
    const url = hkpLookupUrl(server, fpr);
    const shown = redactUrl(url);
    let body: Buffer;
    try {
      count();
      const got = await ctx.fetcher.get(url, { signal: ctx.signal, allowNotFound: true, maxBytes: MAX_KEY_BYTES });
      if (got.status === 404 || got.status === 410) {
        problems.push(`${shown}: not found`);
        continue;
      }
      body = got.body;
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      unreachable = true;
      problems.push(`${shown}: ${isFerryError(e) ? e.message : (e as Error).message}`);
      continue;
    }
    let keys: OpenPgp.PublicKey[];
    try {
      keys = await parseKeys(body);
    } catch (e) {
      problems.push(`${shown}: the answer is not an OpenPGP key (${(e as Error).message})`);
      continue;
    }
    const match = keys.find((k) => hasFingerprint(k, fpr));
    if (!match) {
      throw new FerryError('FERRY_BAD_SIGNATURE', `${o.mirror}: ${shown}: the keyserver answered with ${keys.map((k) => k.getFingerprint().toUpperCase()).join(', ') || 'no key'}, not the key ${fpr} asked for`, {
        resource: o.mirror,
        url: shown,
        field: 'key_ids',
        expected: fpr,
        actual: keys.map((k) => k.getFingerprint().toUpperCase()),
      });
    }
    return { key: minimal(match), problems, unreachable };
  }
  return { problems, unreachable };
}

/**
 * The armored key of every fingerprint: from site.keyring first, then (unless `fresh`) the
 * recorded copy, then keyservers in order; with `fresh` a keyserver failure falls back to the
 * recorded copy with a warning. A fingerprint found nowhere fails the mirror, naming every
 * place asked and what each said.
 */
export async function resolveKeyIds(ctx: DriverContext, o: KeyIdSources, options: { fresh?: boolean } = {}): Promise<ResolvedKeys> {
  const result: ResolvedKeys = { keys: {}, requests: 0 };
  if (!o.fingerprints.length) return result;
  const ring = o.keyring.length ? await readKeyring(o.keyring, o.mirror) : [];
  for (const fpr of o.fingerprints) {
    const local = ring.find((k) => hasFingerprint(k, fpr));
    if (local) {
      result.keys[fpr] = minimal(local);
      continue;
    }
    const recorded = o.recorded[fpr];
    if (recorded && !options.fresh) {
      result.keys[fpr] = recorded;
      continue;
    }
    const got = await fromKeyservers(ctx, o, fpr, () => result.requests++);
    if (got.key) {
      result.keys[fpr] = got.key;
      continue;
    }
    if (recorded) {
      ctx.logger.warn(`${o.mirror}: key ${fpr}: no keyserver answered (${got.problems.join('; ')}): verifying with the copy the snapshot recorded`, { resource: o.mirror });
      result.keys[fpr] = recorded;
      continue;
    }
    const asked = [...(o.keyring.length ? ['site.keyring'] : []), ...got.problems];
    // A keyserver that could not be reached may answer later (retryable); "not found" everywhere needs a model change.
    throw new FerryError(got.unreachable ? 'FERRY_NETWORK' : 'FERRY_BAD_SIGNATURE', `${o.mirror}: key ${fpr} (key_ids) was found nowhere: ${asked.join('; ') || 'no keyring and no keyserver configured'}`, { resource: o.mirror, field: 'key_ids', expected: fpr });
  }
  return result;
}
