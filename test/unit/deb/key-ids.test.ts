/** key_ids (issue 12): full fingerprints only, HKP lookup URLs, and what validate says about them. */
import { describe, expect, it } from '@jest/globals';
import { checkKeySources, hkpLookupUrl, keySourcesOf, offlineNotes, parseFingerprint } from '../../../src/drivers/deb/key-ids.js';

const FPR = 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8';

describe('parseFingerprint', () => {
  it.each([
    [FPR, FPR],
    [`0x${FPR.toLowerCase()}`, FPR],
    ['B8B8 0B5B 623E AB6A D877  5C45 B7C5 D7D6 3509 47F8', FPR],
    ['a'.repeat(64), 'A'.repeat(64)],
  ])('%s is the fingerprint %s', (text, fpr) => {
    expect(parseFingerprint(text)).toEqual({ fingerprint: fpr });
  });

  it.each([
    ['437D05B5', { kind: 'short', digits: 8 }],
    ['0x40976EAF437D05B5', { kind: 'short', digits: 16 }],
    ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F', { kind: 'malformed' }],
    ['not-a-key', { kind: 'malformed' }],
    ['', { kind: 'malformed' }],
  ])('%s is refused (%o)', (text, problem) => {
    expect(parseFingerprint(text)).toEqual({ problem });
  });
});

describe('hkpLookupUrl', () => {
  it.each([
    ['hkps://keyserver.ubuntu.com', `https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&search=0x${FPR}`],
    ['hkp://keys.example.org', `http://keys.example.org:11371/pks/lookup?op=get&options=mr&search=0x${FPR}`],
    ['hkp://127.0.0.1:4567/', `http://127.0.0.1:4567/pks/lookup?op=get&options=mr&search=0x${FPR}`],
    ['http://127.0.0.1:8080', `http://127.0.0.1:8080/pks/lookup?op=get&options=mr&search=0x${FPR}`],
    ['https://keys.openpgp.org', `https://keys.openpgp.org/pks/lookup?op=get&options=mr&search=0x${FPR}`],
  ])('%s', (server, url) => {
    expect(hkpLookupUrl(server, FPR)).toBe(url);
  });
});

describe('checkKeySources', () => {
  const none = { keys: [], keyUrls: [], keyIds: [], keyservers: [], keyring: [] };

  it('refuses short and long key IDs with a message that says how to get the fingerprint', () => {
    const { errors } = checkKeySources({ ...none, keyIds: ['437D05B5', FPR, '0x40976EAF437D05B5'], keyservers: ['hkps://k.example'] });
    expect(errors.map((e) => e.path)).toEqual([
      ['key_ids', 0],
      ['key_ids', 2],
    ]);
    expect(errors[0].message).toMatch(/short key ID \(8 hex digits\), which can be forged: give the key's full fingerprint/);
    expect(errors[1].message).toMatch(/long key ID \(16 hex digits\)/);
  });

  it('key_ids with neither keyring nor keyserver cannot be resolved', () => {
    const { errors } = checkKeySources({ ...none, keyIds: [FPR] });
    expect(errors).toEqual([{ path: ['key_ids'], message: expect.stringMatching(/resolved neither offline nor online: give site.keyring/) }]);
  });

  it('a mirror with no key at all is refused', () => {
    expect(checkKeySources(none).errors.map((e) => e.path)).toEqual([['keys']]);
  });

  it('says which mirrors need a keyserver (not resolvable offline); a keyring makes them offline-ready', () => {
    expect(checkKeySources({ ...none, keyIds: [FPR], keyservers: ['hkps://k.example'] }).offline).toMatch(/fetched from hkps:\/\/k.example/);
    expect(checkKeySources({ ...none, keyIds: [FPR], keyring: ['/usr/share/keyrings/debian-archive-keyring.gpg'] }).offline).toBeUndefined();
    expect(checkKeySources({ ...none, keys: ['-----BEGIN PGP PUBLIC KEY BLOCK-----'] }).offline).toBeUndefined();
  });

  it('a mirror keyservers list replaces the site one', () => {
    expect(keySourcesOf({ key_ids: [FPR], keyservers: ['hkp://own'] }, { keyservers: ['hkps://site'], keyring: ['/k.gpg'] })).toEqual({ keys: [], keyUrls: [], keyIds: [FPR], keyservers: ['hkp://own'], keyring: ['/k.gpg'] });
    expect(keySourcesOf({ key_ids: [FPR] }, { keyservers: ['hkps://site'] }).keyservers).toEqual(['hkps://site']);
  });

  it('offlineNotes lists the deb mirrors that need a keyserver', () => {
    const desired = {
      site: { keyservers: ['hkps://k.example'] },
      resources: [
        { kind: 'deb', name: 'a', spec: { key_ids: [FPR] } },
        { kind: 'deb', name: 'b', spec: { keys: ['x'] } },
        { kind: 'file', name: 'c', spec: {} },
      ],
    };
    expect(offlineNotes(desired).map((n) => n.resource)).toEqual(['deb/a']);
  });
});
