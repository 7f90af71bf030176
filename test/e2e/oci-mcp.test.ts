/**
 * An MCP model's `_param:default_local_mirrror_content:docker_client_registry_image` list, in
 * MCP's layout (classes/system, classes/cluster, nodes/_generated), is mirrored with no rewriting:
 * the images come from the registry the items name (https, as MCP's translation says), and are
 * served under the same repository paths (`mirantis/cicd/jenkins`), so clients keep their names;
 * an image two items push to two target registries is pushed to both (issue 13).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { runFerry } from '../helpers/run-ferry.js';
import { requireOciTools, startRegistry, type RunningRegistry } from '../helpers/oci-registry.js';
import { image, layer, pushImage, type BuiltImage } from '../helpers/oci-images.js';

const run = promisify(execFile);
let tmp: string;
let plain: RunningRegistry;
let secure: RunningRegistry;
/** Two site registries the MCP items push jenkins to (loopback, so http with no scheme written). */
let siteA: RunningRegistry;
let siteB: RunningRegistry;
let server: RunningServer | undefined;
const jenkins: Record<string, BuiltImage> = {};

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeAll(async () => {
  requireOciTools();
  tmp = mkdtempSync(join(tmpdir(), 'ferry-e2e-oci-mcp-'));
  const storage = join(tmp, 'storage');
  plain = await startRegistry(join(tmp, 'plain'), { storage });
  secure = await startRegistry(join(tmp, 'secure'), { storage, tls: true });
  siteA = await startRegistry(join(tmp, 'site-a'));
  siteB = await startRegistry(join(tmp, 'site-b'));
  const base = layer('jenkins-base', 100_000);
  for (const tag of ['2019.2.0', '2019.2.1']) {
    jenkins[tag] = image({ layers: [base, layer(`jenkins-${tag}`, 20_000)], label: tag });
    await pushImage(plain.url, 'mirantis/cicd/jenkins', jenkins[tag], [tag]);
  }
  jenkins.gerrit = image({ layers: [layer('gerrit', 20_000)] });
  await pushImage(plain.url, 'mirantis/cicd/gerrit', jenkins.gerrit, ['2019.2.0']);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await plain?.stop();
  await secure?.stop();
  await siteA?.stop();
  await siteB?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('MCP docker_client_registry_image, end to end', () => {
  it('mirrors the list as written and serves the images under their own names', async () => {
    const model = join(tmp, 'model');
    write(model, 'classes/system/defaults/mirror/init.yml', `parameters:
  _param:
    mcp_docker_registry: ${secure.host}
    apt_mk_version: 2019.2.0
    default_local_mirrror_content:
      docker_client_registry_image:
        enabled: true
        image:
          - registry: \${_param:mcp_docker_registry}/mirantis/cicd
            name: jenkins:\${_param:apt_mk_version}
            target_registry: ${siteA.host}/mirantis/cicd
          - registry: \${_param:mcp_docker_registry}/mirantis/cicd
            name: jenkins:\${_param:apt_mk_version}
            target_registry: ${siteB.host}/mirantis/cicd
          - registry: \${_param:mcp_docker_registry}/mirantis/cicd
            name: gerrit:\${_param:apt_mk_version}
          - registry: \${_param:mcp_docker_registry}/mirantis/cicd
            name: jenkins:2019.2.1
          - registry: \${_param:mcp_docker_registry}/mirantis/cicd
            name: retired:1.0
            enabled: false
`);
    write(model, 'classes/cluster/lab/infra/mirror.yml', `classes:
  - system.defaults.mirror
parameters:
  _param:
    cluster_name: lab
  ferry:
    site:
      name: \${_param:cluster_name}
`);
    write(model, 'nodes/_generated/apt01.lab.local.yml', `classes:
  - cluster.lab.infra.mirror
parameters:
  _param:
    linux_system_codename: xenial
`);
    const state = join(tmp, 'state');
    const r = await runFerry(['apply', '--model', model, '--state', state, '--json'], { env: { NODE_EXTRA_CA_CERTS: secure.certFile as string } });
    expect({ code: r.code, stderr: r.stderr, stdout: r.code === 0 ? "" : r.stdout }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error/i), stdout: "" });
    expect(r.code).toBe(0);
    server = await startServer({ stateDir: state, port: 0 });
    const host = server.url.replace('http://', '');
    for (const tag of ['2019.2.0', '2019.2.1']) {
      const out = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/mirantis/cicd/jenkins:${tag}`])).stdout) as { Digest: string };
      expect(out.Digest).toBe(jenkins[tag].manifest.digest);
    }
    const gerrit = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/mirantis/cicd/gerrit:2019.2.0`])).stdout) as { Digest: string };
    expect(gerrit.Digest).toBe(jenkins.gerrit.manifest.digest);
    const catalog = (await (await fetch(`${server.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(['mirantis/cicd/gerrit', 'mirantis/cicd/jenkins']);
    // jenkins, listed twice with two target registries, is one image pushed to both (over http:
    // loopback registries need no scheme, as for docker), with the tags of both items.
    for (const site of [siteA, siteB]) {
      const pushed = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${site.host}/mirantis/cicd/jenkins:2019.2.0`])).stdout) as { Digest: string; RepoTags: string[] };
      expect(pushed.Digest).toBe(jenkins['2019.2.0'].manifest.digest);
      expect([...pushed.RepoTags].sort()).toEqual(['2019.2.0', '2019.2.1']);
    }
  }, 60_000);
});
