/**
 * What a deb mirror's published Release files depend on besides the packages: the site signing
 * key, the Valid-Until policy and the time they were signed. A Release is renewed (re-signed,
 * nothing downloaded) once half of its validity has passed, so that apt never meets an expired
 * one while the controller runs; and at once when the key or the policy changed.
 */
import { readFile } from 'node:fs/promises';
import { sha256Hex } from '../../core/hash.js';
import type { DriverContext } from '../types.js';
import { siteKeyPath, siteSigningKey } from '../../pgp/site-key.js';

export interface DebSite {
  name: string;
  retention?: number;
  signing?: { key_file?: string };
  valid_until_days: number;
}

/** What the published Release files were signed with and when (part of the deb upstream state). */
export interface SigningState {
  /** `<key fingerprint>/<valid_until_days>`: a change means the files cannot be reused. */
  signing?: string;
  /** sha256 of the signing key file `signing` was read from (to know it without parsing the key). */
  signingFile?: string;
  /** When the Release files were signed: their Date (ISO 8601). */
  signedAt?: string;
}

export function siteOf(ctx: DriverContext): DebSite {
  const s = ctx.desired.site;
  const signing = typeof s.signing === 'object' && s.signing !== null ? (s.signing as { key_file?: unknown }) : undefined;
  return {
    name: s.name,
    retention: s.retention,
    signing: typeof signing?.key_file === 'string' ? { key_file: signing.key_file } : undefined,
    valid_until_days: typeof s.valid_until_days === 'number' ? s.valid_until_days : 0,
  };
}

const keyFileOf = (ctx: DriverContext, site: DebSite) => site.signing?.key_file ?? siteKeyPath(ctx.stateDir);

/**
 * The signing key's fingerprint and the Valid-Until policy. The key file's digest tells whether
 * the key is the one `prev` recorded; only a new key is parsed (openpgp.js) or, when the site
 * has none yet, generated.
 */
export async function signingIdentity(ctx: DriverContext, prev: SigningState): Promise<{ signing: string; signingFile?: string }> {
  const site = siteOf(ctx);
  const days = site.valid_until_days;
  const path = keyFileOf(ctx, site);
  const bytes = await readFile(path).catch(() => undefined);
  const signingFile = bytes ? sha256Hex(bytes) : undefined;
  const known = signingFile !== undefined && prev.signingFile === signingFile && prev.signing?.split('/')[0];
  if (known) return { signing: `${known}/${days}`, signingFile };
  const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.signing?.key_file, siteName: site.name });
  const written = signingFile ?? (await readFile(path).then(sha256Hex, () => undefined));
  return { signing: `${key.fingerprint}/${days}`, signingFile: written };
}

/** Whether the key file or the Valid-Until policy differ from what `prev` was signed with (no key parsed, none generated). */
export async function signingChanged(ctx: DriverContext, prev: SigningState): Promise<boolean> {
  const site = siteOf(ctx);
  if (prev.signing === undefined || prev.signing.split('/')[1] !== String(site.valid_until_days)) return true;
  const bytes = await readFile(keyFileOf(ctx, site)).catch(() => undefined);
  return !bytes || sha256Hex(bytes) !== prev.signingFile;
}

/**
 * When the published Release must be signed again: halfway through its validity (Debian's own
 * archive re-signs a 7-day Release every 6 hours; half leaves days of slack for a stopped
 * controller). Undefined when it never expires; 0 when the time it was signed is unknown.
 */
export function renewAt(prev: SigningState, validUntilDays: number): number | undefined {
  if (validUntilDays <= 0) return undefined;
  const signed = prev.signedAt ? Date.parse(prev.signedAt) : NaN;
  return Number.isNaN(signed) ? 0 : signed + (validUntilDays * 86_400_000) / 2;
}
