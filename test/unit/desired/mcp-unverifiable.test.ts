/**
 * Issue 12: what a real MCP 2019.2 model cannot have verified as written. aptly mirrors whose
 * keys are 8- or 16-hex-digit IDs, and debmirror mirrors run with --no-check-gpg, are held:
 * listed loudly as unverifiable (not mirrored) by validate, plan and desired, so the model
 * validates unchanged; full fingerprints in parameters.ferry.mcp.key_fingerprints, or an
 * override, make them mirrors. Fixture: test/fixtures/reclass/mcp (MCP layout).
 */
import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { openModelDir } from '../../../src/source/model-dir.js';
import { renderNode } from '../../../src/model/index.js';
import { translateMcp, withMcpMirrors } from '../../../src/drivers/mcp.js';
import { keyFingerprints, resolveKeyIds } from '../../../src/drivers/deb/mcp/key-fingerprints.js';
import { explainDesired, loadDesired } from '../../../src/reconcile/apply-desired.js';
import { planResources } from '../../../src/plan/plan.js';
import { formatPlan } from '../../../src/plan/format-plan.js';
import { FerryErrors } from '../../../src/core/ferry-error.js';

const root = fileURLToPath(new URL('../../fixtures/reclass/mcp', import.meta.url));
const files = openModelDir(root);
const NODE = 'nodes/_generated/apt01.mcp-lab.local.yml';
const params = renderNode(files, 'apt01.mcp-lab.local').parameters;

// The Ubuntu archive keys (ubuntu-keyring): the fixture's 437D05B5 and C0B21F32 end them.
const UBUNTU_2004 = '630239CC130E1A7FD81A27B140976EAF437D05B5';
const UBUNTU_2012 = '790BC7277767219C42C86F933B4FE6ACC0B21F32';

function withNodeYaml(extra: string): Map<string, string> {
  const m = new Map(files);
  m.set(NODE, `${files.get(NODE)}${extra}`);
  return m;
}

describe('aptly key IDs too short to trust', () => {
  it('holds the mirror, naming it and each short ID, with the way out', () => {
    const t = translateMcp(params).mirrors.get('ubuntu-xenial-main');
    expect(t?.held?.path).toEqual(['aptly', 'server', 'mirror', 'ubuntu-xenial-main', 'gpgkeys']);
    expect(t?.held?.reason).toMatch(/^UNVERIFIABLE: mirror ubuntu-xenial-main names its signing key only by short ID 437D05B5 \(8 hex digits\), C0B21F32 \(8 hex digits\), which anyone can forge/);
    expect(t?.held?.reason).toContain('parameters.ferry.mcp.key_fingerprints');
    expect(t?.held?.reason).toContain('parameters.ferry.mirrors.ubuntu-xenial-main replaces it (override: true)');
    // The armored-key mirror next to it is not held.
    expect(translateMcp(params).mirrors.get('ubuntu-xenial-updates')?.held).toBeUndefined();
  });

  it('leaves it out of the desired state, and validate, plan and desired list it as unverifiable', () => {
    const { desired } = loadDesired(files);
    expect(desired.resources.map((r) => r.name)).not.toContain('ubuntu-xenial-main');
    expect(desired.resources.map((r) => r.name)).toContain('ubuntu-xenial-updates');
    const held = (desired.notMirrored ?? []).filter((n) => n.unverifiable).map((n) => n.path);
    expect(held).toEqual(expect.arrayContaining(['parameters.aptly.server.mirror.ubuntu-xenial-main.gpgkeys']));
    const plan = formatPlan(planResources(desired, null));
    expect(plan).toContain('UNVERIFIABLE, not mirrored: parameters.aptly.server.mirror.ubuntu-xenial-main.gpgkeys: mirror ubuntu-xenial-main names its signing key only by short ID 437D05B5');
    const explained = explainDesired(files).explain.find((e) => e.name === 'ubuntu-xenial-main');
    expect(explained?.held).toMatch(/^UNVERIFIABLE/);
    expect(explained?.spec.key_ids).toEqual(['437D05B5', 'C0B21F32']);
  });

  it('resolves short IDs to the full fingerprints the site lists, each to the one ending with it', () => {
    const m = withNodeYaml(`  ferry:\n    site: {name: lab}\n    mcp:\n      key_fingerprints:\n        - ${UBUNTU_2004}\n        - "${UBUNTU_2012.replace(/(.{4})/g, '$1 ').trim()}"\n`);
    const { desired } = loadDesired(m);
    const main = desired.resources.find((r) => r.name === 'ubuntu-xenial-main');
    expect(main?.spec.key_ids).toEqual([UBUNTU_2004, UBUNTU_2012]);
    expect((desired.notMirrored ?? []).some((n) => n.unverifiable && n.path.includes('ubuntu-xenial-main'))).toBe(false);
  });

  it('takes a 16-digit ID and its 8-digit tail as one key', () => {
    expect(resolveKeyIds(['40976EAF437D05B5', '0x437d05b5', UBUNTU_2012], [UBUNTU_2004])).toEqual({ keyIds: [UBUNTU_2004, UBUNTU_2012], unresolved: [], ambiguous: [] });
    expect(resolveKeyIds(['DEADBEEF'], [UBUNTU_2004]).unresolved).toEqual(['DEADBEEF']);
  });

  it('refuses a listed value that is no fingerprint, and an ID two listed fingerprints end with', () => {
    expect(keyFingerprints({ ferry: { mcp: { key_fingerprints: ['437D05B5'] } } }).errors.map((e) => e.message)).toEqual([
      'parameters.ferry.mcp.key_fingerprints.0: "437D05B5" is not a full OpenPGP fingerprint (40 or 64 hex digits, spaces and 0x allowed)',
    ]);
    const twin = `${'1'.repeat(32)}437D05B5`;
    const r = translateMcp({ aptly: { server: { mirror: { u: { source: 'http://u/', distribution: 'xenial', gpgkeys: ['437D05B5'] } } } }, ferry: { mcp: { key_fingerprints: [UBUNTU_2004, twin] } } });
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringContaining(`parameters.aptly.server.mirror.u.gpgkeys: key ID 437D05B5 is the end of 2 fingerprints in parameters.ferry.mcp.key_fingerprints (${UBUNTU_2004}, ${twin})`)]);
    const bad = withNodeYaml('  ferry:\n    mcp:\n      key_fingerprints: [nope]\n');
    expect(() => loadDesired(bad)).toThrow(FerryErrors);
  });

  it('passes no parameters.ferry.mcp on to the schema', () => {
    const r = withMcpMirrors({ ...params, ferry: { site: { name: 'lab' }, mcp: { key_fingerprints: [UBUNTU_2004] } } });
    expect(Object.keys(r.ferry as object).sort()).toEqual(['mirrors', 'site']);
  });
});

describe('debmirror mirrors run with --no-check-gpg', () => {
  it('are held as unverifiable, never mirrored unverified', () => {
    const t = translateMcp(params).mirrors.get('mirror_mirantis_com_ubuntu_xenial');
    expect(t?.held?.path).toEqual(['debmirror', 'client', 'mirrors', 'mirror_mirantis_com_ubuntu_xenial', 'extra_flags', 2]);
    expect(t?.held?.reason).toMatch(/^UNVERIFIABLE: mirror mirror_mirantis_com_ubuntu_xenial: debmirror ran with --no-check-gpg and the model gives no key; Ferry signs what it publishes/);
    const { desired } = loadDesired(files);
    expect(desired.resources.map((r) => r.name)).not.toContain('mirror_mirantis_com_ubuntu_xenial');
    expect((desired.notMirrored ?? []).filter((n) => n.unverifiable).map((n) => n.path)).toEqual(
      expect.arrayContaining(['parameters.debmirror.client.mirrors.mirror_mirantis_com_ubuntu_xenial.extra_flags.2']),
    );
  });

  it('become mirrors when parameters.ferry replaces them with keys (no name clash)', () => {
    const m = withNodeYaml(
      '  ferry:\n    site: {name: lab}\n    mirrors:\n      mirror_mirantis_com_ubuntu_xenial:\n        override: true\n        kind: deb\n        url: http://mirror.mirantis.com/2019.2.1/ubuntu/\n        suites: [xenial]\n        key_urls: [http://mirror.mirantis.com/2019.2.1/ubuntu/archive.key]\n',
    );
    const { desired } = loadDesired(m);
    expect(desired.resources.find((r) => r.name === 'mirror_mirantis_com_ubuntu_xenial')?.spec.key_urls).toEqual(['http://mirror.mirantis.com/2019.2.1/ubuntu/archive.key']);
    expect((desired.notMirrored ?? []).some((n) => n.path.includes('mirror_mirantis_com_ubuntu_xenial.extra_flags'))).toBe(false);
  });

  it('a disabled one is not listed', () => {
    const r = translateMcp({ debmirror: { client: { mirrors: { off: { enabled: false, mirror_host: 'h', dist: ['x'], extra_flags: ['--no-check-gpg'] } } } } });
    expect(r.mirrors.get('off')?.held).toBeUndefined();
  });
});
