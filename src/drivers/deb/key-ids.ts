/**
 * Upstream keys named by fingerprint (`key_ids`, aptly's `gpgkeys` without key material), and
 * the checks `ferry validate` makes on them before anything is fetched. Pure; no I/O.
 *
 * Only full fingerprints are accepted (40 hex digits for OpenPGP v4 keys, 64 for v5/v6,
 * RFC 9580 §5.5.4): an 8-digit short ID has been forged at will since 2016 (the "evil32"
 * collisions), and a 16-digit long ID names a key without proving which one. A fingerprint is
 * what Ferry compares the fetched key against.
 */

export type KeyIdProblem = { kind: 'short'; digits: number } | { kind: 'malformed' };

/** Upper-case hex without spaces or a `0x` prefix, or the reason it is not a full fingerprint. */
export function parseFingerprint(text: string): { fingerprint: string } | { problem: KeyIdProblem } {
  const hex = text.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex)) return { problem: { kind: 'malformed' } };
  if (hex.length === 40 || hex.length === 64) return { fingerprint: hex };
  if (hex.length === 8 || hex.length === 16) return { problem: { kind: 'short', digits: hex.length } };
  return { problem: { kind: 'malformed' } };
}

/** The message for a key_id that is not a full fingerprint. */
export function keyIdMessage(text: string, problem: KeyIdProblem): string {
  if (problem.kind === 'short') {
    const what = problem.digits === 8 ? 'a short key ID' : 'a long key ID';
    return `${JSON.stringify(text)} is ${what} (${problem.digits} hex digits), which can be forged: give the key's full fingerprint (40 hex digits; \`gpg --with-colons --fingerprint ${text}\` prints it on the fpr: line), or the armored key in keys`;
  }
  return `${JSON.stringify(text)} is not an OpenPGP fingerprint (40 or 64 hex digits, spaces and 0x allowed)`;
}

/** The keyserver URL to ask for one fingerprint (HKP, draft-shaw-openpgp-hkp §3.1.2). */
export function hkpLookupUrl(keyserver: string, fingerprint: string): string {
  const u = new URL(keyserver);
  // hkp:// is plain HTTP on port 11371, hkps:// is TLS on 443 (the default for https).
  const scheme = u.protocol === 'hkps:' || u.protocol === 'https:' ? 'https:' : 'http:';
  const port = u.port || (u.protocol === 'hkp:' ? '11371' : '');
  const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `${scheme}//${auth}${host}${port ? `:${port}` : ''}/pks/lookup?op=get&options=mr&search=0x${fingerprint}`;
}

export interface KeySources {
  keys: string[];
  keyUrls: string[];
  keyIds: string[];
  /** The mirror's own keyservers, else the site's. */
  keyservers: string[];
  /** site.keyring entries (paths or armored blocks). */
  keyring: string[];
}

export interface KeyCheck {
  /** `key_ids[i]` or `key_ids`, relative to the mirror. */
  path: Array<string | number>;
  message: string;
}

/**
 * What `ferry validate` says about a deb mirror's keys: every key_id that is not a full
 * fingerprint, key_ids with neither a keyring nor a keyserver to take them from, and a mirror
 * with no key at all. `offline` is set when the keys need a keyserver (the network) on the
 * first apply: the snapshot records them afterwards.
 */
export function checkKeySources(s: KeySources): { errors: KeyCheck[]; offline?: string } {
  const errors: KeyCheck[] = [];
  s.keyIds.forEach((id, i) => {
    const got = parseFingerprint(id);
    if ('problem' in got) errors.push({ path: ['key_ids', i], message: keyIdMessage(id, got.problem) });
  });
  if (s.keyIds.length && !s.keyservers.length && !s.keyring.length) {
    errors.push({ path: ['key_ids'], message: `key_ids (${s.keyIds.join(', ')}) can be resolved neither offline nor online: give site.keyring (a keyring file on the site, or armored keys), or keyservers (on the mirror or site.keyservers), or the armored keys in keys` });
  }
  if (!s.keys.length && !s.keyUrls.length && !s.keyIds.length) {
    errors.push({ path: ['keys'], message: 'no keys to check the upstream Release signature with: give armored keys in keys, key_urls, or key_ids (fingerprints) with a keyring or keyserver' });
  }
  const offline = s.keyIds.length && !s.keyring.length ? `key_ids are fetched from ${s.keyservers.join(', ')}: the first apply needs that keyserver (the snapshot records the keys for later runs)` : undefined;
  return { errors, offline };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** The key sources of a deb mirror spec (as the model gives it) on a site. */
export function keySourcesOf(spec: Record<string, unknown>, site: Record<string, unknown>): KeySources {
  const own = strings(spec.keyservers);
  return { keys: strings(spec.keys), keyUrls: strings(spec.key_urls), keyIds: strings(spec.key_ids), keyservers: own.length ? own : strings(site.keyservers), keyring: strings(site.keyring) };
}

/** Per deb mirror of the desired state: what keeps it from being resolved without a network. */
export function offlineNotes(desired: { site: Record<string, unknown>; resources: ReadonlyArray<{ kind: string; name: string; spec: Record<string, unknown> }> }): Array<{ resource: string; note: string }> {
  const out: Array<{ resource: string; note: string }> = [];
  for (const r of desired.resources) {
    if (r.kind !== 'deb') continue;
    const { offline } = checkKeySources(keySourcesOf(r.spec, desired.site));
    if (offline) out.push({ resource: `deb/${r.name}`, note: offline });
  }
  return out;
}
