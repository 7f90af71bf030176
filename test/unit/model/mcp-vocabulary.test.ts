import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { renderNode } from '../../../src/model/index.js';
import { mcpMirrorOrigins, mcpMirrors, mcpOrigin } from '../../../src/drivers/mcp.js';
import { readModelDir } from './model-files.js';

const root = fileURLToPath(new URL('../../fixtures/reclass/mcp', import.meta.url));
const node = renderNode(readModelDir(root), 'apt01.mcp-lab.local');

describe('the MCP vocabulary', () => {
  const mirrors = mcpMirrors(node.parameters);

  it('reads aptly:server:mirror as deb mirrors (string or list fields, keys, filter)', () => {
    expect(mirrors['ubuntu-xenial-main']).toEqual({
      kind: 'deb',
      url: 'http://archive.ubuntu.com/ubuntu/',
      suites: ['xenial'],
      components: ['main', 'multiverse', 'restricted', 'universe'],
      architectures: ['amd64', 'arm64'],
      key_ids: ['437D05B5', 'C0B21F32'],
      keyservers: ['hkp://keys.gnupg.net'],
    });
    expect(mirrors['ubuntu-xenial-updates']).toMatchObject({ suites: ['xenial-updates'], components: ['main', 'universe'], filter: 'Priority (required) | nginx', with_deps: true });
    expect((mirrors['ubuntu-xenial-updates'].keys as string[])[0]).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(mirrors.mirantis_salt_formulas).toMatchObject({ suites: ['2019.2.1'], key_urls: ['http://apt.mirantis.com/public.gpg'] });
  });

  it('reads default_local_mirrror_content as oci, git and file mirrors', () => {
    // docker:client:images and the offline registry's items, one mirror per source host; a
    // disabled item is left out; target_registry becomes the push target.
    expect(mirrors['docker-docker-prod-local.artifactory.mirantis.com']).toEqual({
      kind: 'oci',
      registry: 'https://docker-prod-local.artifactory.mirantis.com',
      images: [
        { name: 'mirantis/cicd/mysql', tags: ['2019.2.13'] },
        { name: 'mirantis/cicd/jenkins', tags: ['2019.2.1'] },
        { name: 'mirantis/cicd/gerrit', tags: ['2019.2.1'] },
        { name: 'mirantis/external/visualizer', tags: ['2019.2.6'], target: 'apt:5000' },
        { name: 'mirantis/external/compose', tags: ['1.17.1'] },
      ],
    });
    expect(mirrors['docker-docker.io']).toEqual({ kind: 'oci', registry: 'https://registry-1.docker.io', images: [{ name: 'library/registry', tags: ['2'] }] });
    expect(mirrors['git-server-repos']).toEqual({
      kind: 'git',
      repositories: [
        { name: 'mk-pipelines', url: 'https://github.com/Mirantis/mk-pipelines.git' },
        { name: 'pipeline-library', url: 'https://github.com/Mirantis/pipeline-library.git' },
      ],
    });
    expect(mirrors['linux-system-files']).toEqual({
      kind: 'file',
      files: [
        { url: 'http://images.mirantis.com/ubuntu-16-04-x64-mcp2019.2.0.qcow2', sha256: '1f3bd6d0e0d8c3fb1d4ea6c2b1c5a3b8c2f0a1e9d8c7b6a5f4e3d2c1b0a9f8e7', path: 'srv/http/images/ubuntu-16-04-x64.qcow2' },
        { url: 'http://download.cirros-cloud.net/0.4.0/cirros-0.4.0-x86_64-disk.img', md5: '443b7623e27ecf03dc9e01ee93f67afe', path: 'srv/http/images/cirros.img' },
        { url: 'http://images.mirantis.com/octavia/amphora-x64-haproxy.qcow2', digest_url: 'http://images.mirantis.com/octavia/amphora-x64-haproxy.qcow2.md5', path: 'srv/http/images/amphora.qcow2' },
        { url: 'http://images.mirantis.com/octavia/amphora-x64-haproxy.qcow2.md5', path: 'srv/http/images/amphora.qcow2.md5' },
      ],
    });
  });

  it('points every translated value back at the MCP YAML', () => {
    expect(mcpMirrorOrigins(node.parameters)['ubuntu-xenial-main']).toEqual(['aptly', 'server', 'mirror', 'ubuntu-xenial-main']);
    const origin = mcpOrigin(node.parameters);
    expect(node.locate(origin(['ubuntu-xenial-main', 'url']) ?? [])).toMatchObject({ file: 'classes/system/aptly/server/mirror/ubuntu/xenial/main.yml', line: 6 });
    expect(node.locate(origin(['ubuntu-xenial-main', 'architectures']) ?? [])).toMatchObject({ file: 'classes/cluster/lab/infra/mirror.yml', line: 13 });
    expect(node.locate(origin(['linux-system-files', 'files', 1, 'md5']) ?? [])).toMatchObject({ file: 'classes/system/defaults/mirror/init.yml', line: 40 });
    expect(node.locate(origin(['mirror_mirantis_com_ubuntu_xenial', 'suites']) ?? [])).toMatchObject({ file: 'classes/system/debmirror/mirror_mirantis_com/ubuntu/xenial.yml', line: 11 });
    expect(origin(['not-mcp', 'url'])).toBeUndefined();
  });

  it('is empty for a model without MCP mirrors', () => {
    expect(mcpMirrors({ ferry: {} })).toEqual({});
    expect(mcpMirrors({ aptly: { server: { mirror: 'oops' } }, _param: { default_local_mirrror_content: { git_server_repos: { enabled: false } } } })).toEqual({});
  });
});
