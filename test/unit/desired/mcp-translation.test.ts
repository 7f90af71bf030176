/**
 * Issue 12: the MCP vocabulary a real 2019.2 apt node uses (debmirror, docker, MAAS, file
 * digests), what is not mirrored (listed with its path and reason, never silent), and how
 * parameters.ferry replaces or clashes with a translated mirror.
 */
import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { renderNode } from '../../../src/model/index.js';
import { translateMcp, withMcpMirrors } from '../../../src/drivers/mcp.js';
import { debmirrorFilter, shellWord } from '../../../src/drivers/deb/mcp/debmirror-mirrors.js';
import { parseImageRef, pushTarget } from '../../../src/drivers/oci/mcp.js';
import { digestFields } from '../../../src/drivers/file/mcp.js';
import { explainDesired, loadDesired } from '../../../src/reconcile/apply-desired.js';
import { parseQuery, matchQuery } from '../../../src/drivers/deb/format/query.js';
import { FerryErrors } from '../../../src/core/ferry-error.js';
import { openModelDir } from '../../../src/source/model-dir.js';
import { trustOnFirstUse } from '../../../src/drivers/registry.js';
import { planResources } from '../../../src/plan/plan.js';
import { formatPlan } from '../../../src/plan/format-plan.js';

const root = fileURLToPath(new URL('../../fixtures/reclass/mcp', import.meta.url));
const files = openModelDir(root);
const params = renderNode(files, 'apt01.mcp-lab.local').parameters;

const pkg = (filename: string, section = 'utils') => ({
  name: 'p',
  version: '1',
  arch: 'amd64',
  source: 'p',
  sourceVersion: '1',
  type: 'deb',
  field: (f: string) => (f === 'Filename' ? filename : f === 'Section' ? section : undefined),
});

describe('debmirror:client:mirrors (salt-formula-debmirror)', () => {
  const { mirrors } = translateMcp(params);

  it('becomes a deb mirror: url from method, host and root; dist, section, arch; --nosource', () => {
    expect(mirrors.get('mirror_mirantis_com_salt_formulas_xenial')?.spec).toEqual({
      kind: 'deb',
      url: 'http://mirror.mirantis.com/2019.2.1/salt-formulas/xenial/',
      suites: ['xenial'],
      components: ['main'],
      architectures: ['amd64'],
      with_sources: false,
      filter: '!Filename (~ "(-dbg_|-dbg-)")',
      with_deps: false,
    });
  });

  it("keeps debmirror's rule: an --include wins, else any --exclude or --exclude-deb-section drops", () => {
    const spec = mirrors.get('mirror_mirantis_com_ubuntu_xenial')?.spec as { filter: string };
    const q = parseQuery(spec.filter);
    expect(matchQuery(q, pkg('pool/main/f/firefox/firefox_1_amd64.deb'))).toBe(false);
    expect(matchQuery(q, pkg('pool/universe/u/unity8/unity8_1_amd64.deb'))).toBe(false);
    expect(matchQuery(q, pkg('pool/main/x/xterm/xterm_1_amd64.deb', 'games'))).toBe(false);
    expect(matchQuery(q, pkg('pool/main/x/xterm/xterm_1_amd64.deb', 'tex'))).toBe(false);
    expect(matchQuery(q, pkg('pool/main/x/xterm/xterm_1_amd64.deb', 'text'))).toBe(true);
    expect(matchQuery(q, pkg('pool/main/m/manpages/manpages-gnome_1_all.deb', 'games'))).toBe(true);
    expect(matchQuery(q, pkg('pool/main/o/openssh/openssh-server_1_amd64.deb'))).toBe(true);
  });

  it('reads filter values as the shell does', () => {
    expect(shellWord(`--exclude='(-|_)dbg(_|-)'`)).toBe('--exclude=(-|_)dbg(_|-)');
    // Single quotes outside keep the double quotes in the regex, so debmirror never matched it
    // (MCP 2019.2's kernel filters 305-307): the translation keeps that.
    expect(shellWord(`'--exclude="main/l/linux.*4\\.8\\.0-"'`)).toBe('--exclude="main/l/linux.*4\\.8\\.0-"');
    expect(shellWord(`--include='/main(.*)manpages'`)).toBe('--include=/main(.*)manpages');
    expect(debmirrorFilter([], [], [])).toEqual({});
    expect(debmirrorFilter(['a'], ['b"c'], [])).toEqual({ filter: `Filename (~ "a") | !Filename (~ 'b"c')` });
  });
});

describe('docker images, digests and what is not mirrored', () => {
  it('splits image references as docker does', () => {
    expect(parseImageRef('registry:2')).toEqual({ host: 'docker.io', name: 'library/registry', tag: '2' });
    expect(parseImageRef('host:5000/a/b')).toEqual({ host: 'host:5000', name: 'a/b', tag: 'latest' });
    expect(pushTarget('apt:5000/mirantis/external', 'mirantis/external')).toBe('apt:5000');
    expect(pushTarget('apt:5000/site/mirantis/external', 'mirantis/external')).toBe('apt:5000/site');
    expect(pushTarget('apt:5000/elsewhere', 'mirantis/external')).toBeUndefined();
  });

  it("reads salt's source_hash forms", () => {
    expect(digestFields(undefined)).toEqual({ fields: {} });
    expect(digestFields('http://x/a.qcow2.md5')).toEqual({ fields: { digest_url: 'http://x/a.qcow2.md5' } });
    expect(digestFields('md5=ABCDEF0123456789abcdef0123456789')).toEqual({ fields: { md5: 'abcdef0123456789abcdef0123456789' } });
    expect(digestFields('a'.repeat(64))).toEqual({ fields: { sha256: 'a'.repeat(64) } });
    expect(digestFields('sha512=' + 'b'.repeat(128)).problem).toMatch(/sha512 digest: Ferry verifies sha256 or md5/);
    expect(digestFields('sha256:abc').problem).toMatch(/^hash "sha256:abc" is not one of salt's source_hash forms: give sha256=<64 hex digits>/);
  });

  it('lists MAAS images, rsync mirrors, unknown debmirror options, push targets and aptly URLs', () => {
    const notes = translateMcp(params).notMirrored.map((n) => `${['parameters', ...n.path].join('.')}: ${n.reason}`);
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^parameters\._param\.default_local_mirrror_content\.maas_mirror_image_sections\.xenial: MAAS boot images \(simplestreams from http:\/\/mirror\.mirantis\.com\/update\/2019\.2\.1\/maas-ephemeral-v3\/\)/),
        expect.stringMatching(/^parameters\.debmirror\.client\.mirrors\.mirror_mirantis_com_rsync_only\.method: debmirror method rsync/),
        expect.stringMatching(/^parameters\.debmirror\.client\.mirrors\.mirror_mirantis_com_ubuntu_xenial\.filter\.900: debmirror option --rsync-extra/),
        expect.stringMatching(/docker_client_registry_image\.image\.5\.target_registry: push to apt:5000\/elsewhere\/compose:1\.17\.1/),
        // A file salt writes from its contents: nothing to download, said all the same.
        'parameters._param.default_local_mirrror_content.linux_system_file.motd: written from its contents on the node, not downloaded: nothing to mirror',
      ]),
    );
    expect(notes).toHaveLength(5);
  });

  it("serves aptly's publications at their URLs: one deb-publication per prefix, a held member left out and listed", () => {
    const w = withMcpMirrors(params);
    const mirrors = (w.ferry as { mirrors: Record<string, unknown> }).mirrors;
    expect(mirrors['aptly-ubuntu-xenial']).toEqual({ kind: 'deb-publication', prefix: 'ubuntu-xenial', distributions: { '2019.2.1': [{ mirror: 'mirantis_salt_formulas', component: 'salt' }] } });
    expect(w.explain.find((e) => e.name === 'aptly-ubuntu-xenial')?.spec.distributions).toEqual({ nightly: [{ mirror: 'ubuntu-xenial-main', component: 'main' }], '2019.2.1': [{ mirror: 'mirantis_salt_formulas', component: 'salt' }] });
    expect(w.notMirrored.map((n) => `${['parameters', ...n.path].join('.')}: ${n.reason}`)).toContain(
      "parameters.aptly.server.mirror.ubuntu-xenial-main.publisher: aptly served it at /ubuntu-xenial/dists/nightly (component main); it is held as unverifiable, so Ferry's publication there lacks it",
    );
    const { desired } = loadDesired(files);
    expect(desired.resources.find((r) => r.name === 'aptly-ubuntu-xenial')?.kind).toBe('deb-publication');
  });

  it('names a publication left with no member (its members held or disabled): not served, said so', () => {
    const w = withMcpMirrors({ ...params, ferry: { mirrors: { mirantis_salt_formulas: { enabled: false } } } });
    const mirrors = (w.ferry as { mirrors: Record<string, unknown> }).mirrors;
    expect(mirrors['aptly-ubuntu-xenial']).toBeUndefined();
    expect(w.notMirrored.map((n) => n.reason)).toContain('aptly publication aptly-ubuntu-xenial (/ubuntu-xenial/) has no member left that Ferry mirrors: not served');
  });

  it('lists a flat mirror and one published at the root as not published at that URL', () => {
    const r = translateMcp({
      aptly: { server: { mirror: { flat: { source: 'http://f/', distribution: './', gpgkeys: ['-----BEGIN PGP x'], publisher: { distributions: ['p/d'] } }, root: { source: 'http://r/', distribution: 'x', gpgkeys: ['-----BEGIN PGP x'], publisher: { distributions: ['xenial'] } } } } },
    });
    expect(r.notMirrored.map((n) => n.reason)).toEqual([
      'aptly served it at /p/dists/d; a flat repository has no dists/ to compose: Ferry serves it at /deb/flat/ only',
      "aptly served it at the root (/dists/xenial); Ferry serves nothing at its tree root but its kinds' folders: it is at /deb/root/",
    ]);
    expect([...r.mirrors.values()].filter((t) => t.spec.kind === 'deb-publication')).toEqual([]);
  });

  it('puts them in the plan, with the files trusted on first use', () => {
    const fileOnly = new Map(files);
    fileOnly.set('nodes/_generated/apt01.mcp-lab.local.yml', `${files.get('nodes/_generated/apt01.mcp-lab.local.yml')}  ferry:\n    site: {name: lab}\n    mirrors:\n${['docker-docker-prod-local.artifactory.mirantis.com', 'docker-docker.io', 'ubuntu-xenial-main', 'mirror_mirantis_com_salt_formulas_xenial', 'mirror_mirantis_com_ubuntu_xenial'].map((n) => `      ${n}: {enabled: false}\n`).join('')}`);
    const { desired } = loadDesired(fileOnly);
    const text = formatPlan(planResources(desired, null, trustOnFirstUse));
    expect(text).toContain('! 1 file(s) with no digest in the model: trust on first use');
    expect(text).toContain('! srv/http/images/amphora.qcow2.md5');
    expect(text).toContain('not mirrored: parameters._param.default_local_mirrror_content.maas_mirror_image_sections.xenial: MAAS boot images');
  });
});

describe('parameters.ferry next to translated mirrors', () => {
  const base = { _param: { cluster_name: 'lab' }, aptly: { server: { mirror: { ubuntu: { source: 'http://u/', distribution: 'xenial', gpgkeys: ['-----BEGIN PGP PUBLIC KEY BLOCK-----x'] } } } } };

  it('replaces a translation whole with override: true, and disables it with enabled: false alone', () => {
    const over = withMcpMirrors({ ...base, ferry: { site: { name: 'lab' }, mirrors: { ubuntu: { override: true, kind: 'deb', url: 'http://other/', flat: true } } } });
    expect(over.errors).toEqual([]);
    expect((over.ferry as { mirrors: Record<string, unknown> }).mirrors.ubuntu).toEqual({ kind: 'deb', url: 'http://other/', flat: true });
    expect(over.explain).toEqual([expect.objectContaining({ name: 'ubuntu', from: 'parameters.aptly.server.mirror.ubuntu', replacedBy: 'parameters.ferry.mirrors.ubuntu' })]);
    const off = withMcpMirrors({ ...base, ferry: { site: { name: 'lab' }, mirrors: { ubuntu: { enabled: false } } } });
    expect(off.errors).toEqual([]);
    expect((off.ferry as { mirrors: Record<string, unknown> }).mirrors.ubuntu).toEqual({ enabled: false });
  });

  it('makes any other same-named mirror an error naming both', () => {
    const r = withMcpMirrors({ ...base, ferry: { site: { name: 'lab' }, mirrors: { ubuntu: { kind: 'file', files: [] } } } });
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringContaining('mirror name clash: parameters.ferry.mirrors.ubuntu and parameters.aptly.server.mirror.ubuntu (translated to deb mirror ubuntu)')]);
    const two = translateMcp({ aptly: { server: { mirror: { Ubuntu: { source: 'http://a/' }, ubuntu: { source: 'http://b/' } } } }, debmirror: {} });
    expect(two.errors.map((e) => e.message)).toEqual([expect.stringContaining('parameters.aptly.server.mirror.ubuntu and parameters.aptly.server.mirror.Ubuntu both become the Ferry mirror ubuntu')]);
    const stray = withMcpMirrors({ ...base, ferry: { site: { name: 'lab' }, mirrors: { other: { override: true, enabled: false } } } });
    expect(stray.errors.map((e) => e.message)).toEqual([expect.stringContaining('says override: true, but no MCP entry becomes a mirror named other')]);
  });

  it('needs nothing but enabled: false to switch a parameters.ferry mirror off', () => {
    const m = new Map([['nodes/n.yml', 'parameters:\n  ferry:\n    site: {name: lab}\n    mirrors:\n      old: {enabled: false}\n      older: {kind: deb, enabled: false}\n']]);
    expect(loadDesired(m).desired.resources).toEqual([]);
    const bad = new Map([['nodes/n.yml', 'parameters:\n  ferry:\n    site: {name: lab}\n    mirrors:\n      old: {kind: deb}\n']]);
    expect(() => loadDesired(bad)).toThrow(FerryErrors);
  });

  it('explains every translation even when the model is invalid (ferry desired)', () => {
    const bad = new Map(files);
    bad.set('nodes/_generated/apt01.mcp-lab.local.yml', `${files.get('nodes/_generated/apt01.mcp-lab.local.yml')}  ferry:\n    mcp:\n      key_fingerprints: [not-a-fingerprint]\n`);
    const r = explainDesired(bad);
    expect(r.explain.map((t) => t.name)).toContain('mirror_mirantis_com_ubuntu_xenial');
    expect(r.explain.find((t) => t.name === 'git-server-repos')?.from).toBe('parameters._param.default_local_mirrror_content.git_server_repos');
    expect(r.errors.length).toBeGreaterThan(0);
  });
});
