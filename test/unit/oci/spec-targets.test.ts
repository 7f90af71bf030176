/**
 * Issue 13, push targets: an image may be pushed to several registries (MCP models push one image
 * to two), as one oci image with a list of targets; a target without a scheme is https, except a
 * loopback one, which is http as docker's default insecure registries (127.0.0.0/8) and skopeo have it.
 */
import { describe, expect, it } from '@jest/globals';
import type { Resource } from '../../../src/core/resource.js';
import { ImageGroups, registryImages } from '../../../src/drivers/oci/mcp.js';
import { isLoopback, planImages, pushTarget } from '../../../src/drivers/oci/spec.js';

const resource = (spec: Record<string, unknown>): Resource => ({ kind: 'oci', name: 'hub', hash: 'h', spec: { registry: 'https://r.example', ...spec } });

describe('pushTarget: the scheme', () => {
  it.each([
    ['registry.site:5000/apex', 'https://registry.site:5000', 'apex/alpine'],
    ['registry.site', 'https://registry.site', 'alpine'],
    ['localhost:5000', 'http://localhost:5000', 'alpine'],
    ['127.0.0.1:5000/site', 'http://127.0.0.1:5000', 'site/alpine'],
    ['127.1.2.3:5000', 'http://127.1.2.3:5000', 'alpine'],
    ['[::1]:5000', 'http://[::1]:5000', 'alpine'],
    ['128.0.0.1:5000', 'https://128.0.0.1:5000', 'alpine'],
    ['localhost.example:5000', 'https://localhost.example:5000', 'alpine'],
    ['http://apt:5000/mirantis', 'http://apt:5000', 'mirantis/alpine'],
    ['https://localhost:5000', 'https://localhost:5000', 'alpine'],
  ])('%s', (text, base, repository) => {
    expect(pushTarget(text, 'alpine')).toEqual({ base, repository });
  });

  it('refuses what is not a registry reference', () => {
    expect(() => pushTarget('ftp://x', 'a')).toThrow(/not a registry reference/);
    expect(() => pushTarget('user@host:5000', 'a')).toThrow(/not a registry reference/);
  });

  it('isLoopback', () => {
    expect(['localhost', 'LOCALHOST:1', '127.0.0.1', '127.255.0.9/x', '[::1]:5000'].map(isLoopback)).toEqual([true, true, true, true, true]);
    expect(['apt', '10.0.0.1', '127.0.0', '[::2]'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});

describe('planImages: several targets', () => {
  it('pushes an image to every target of its list, each once; the mirror-wide target is the default', () => {
    const plans = planImages(
      resource({
        target: 'site.example/default',
        images: [
          { name: 'mirantis/cicd/jenkins', tags: ['2019.2.0'], target: ['apt:5000/mirantis/cicd', 'http://cid01:5000', 'apt:5000/mirantis/cicd'] },
          { name: 'library/alpine', tags: ['3.19'] },
        ],
      }),
    );
    expect(plans[0].targets).toEqual([
      { base: 'https://apt:5000', repository: 'mirantis/cicd/mirantis/cicd/jenkins' },
      { base: 'http://cid01:5000', repository: 'mirantis/cicd/jenkins' },
    ]);
    expect(plans[1].targets).toEqual([{ base: 'https://site.example', repository: 'default/library/alpine' }]);
  });

  it('an image listed twice in a hand-written spec is still an error, naming the list form', () => {
    expect(() => planImages(resource({ images: [{ name: 'a/b', tags: ['1'] }, { name: 'a/b', tags: ['2'], target: 'x:5000' }] }))).toThrow(/a\/b is listed twice.*a list in target/);
  });

  it('no target: none', () => {
    expect(planImages(resource({ images: [{ name: 'a/b', tags: ['1'] }] }))[0].targets).toEqual([]);
  });
});

describe('MCP docker_client_registry_image: one image, two target registries', () => {
  it('becomes one oci image with both targets and the union of its tags (not "listed twice")', () => {
    const groups = new ImageGroups();
    registryImages(
      [
        { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', name: 'jenkins:2019.2.0', target_registry: 'apt:5000/mirantis/cicd' },
        { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', name: 'jenkins:2019.2.0', target_registry: 'cid01:5000/mirantis/cicd' },
        { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', name: 'jenkins:2019.2.1', target_registry: 'apt:5000/mirantis/cicd' },
        { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', name: 'gerrit:2019.2.0' },
      ],
      ['_param', 'default_local_mirrror_content', 'docker_client_registry_image', 'image'],
      groups,
    );
    const [mirror] = groups.mirrors();
    expect(mirror.spec.images).toEqual([
      { name: 'mirantis/cicd/jenkins', tags: ['2019.2.0', '2019.2.1'], target: ['apt:5000', 'cid01:5000'] },
      { name: 'mirantis/cicd/gerrit', tags: ['2019.2.0'] },
    ]);
    const plans = planImages({ kind: 'oci', name: mirror.name, hash: 'h', spec: mirror.spec });
    expect(plans[0].targets.map((t) => `${t.base}/${t.repository}`)).toEqual(['https://apt:5000/mirantis/cicd/jenkins', 'https://cid01:5000/mirantis/cicd/jenkins']);
  });
});

describe('an MCP model with an image pushed to two registries, end to end through validation', () => {
  it('is valid and desires one oci image with both targets', async () => {
    const { loadDesired } = await import('../../../src/reconcile/apply-desired.js');
    const node = `classes: []
parameters:
  ferry:
    site: {name: lab}
  _param:
    default_local_mirrror_content:
      docker_client_registry_image:
        enabled: true
        image:
          - registry: registry.example/mirantis/cicd
            name: jenkins:2019.2.0
            target_registry: apt:5000/mirantis/cicd
          - registry: registry.example/mirantis/cicd
            name: jenkins:2019.2.0
            target_registry: 127.0.0.1:5000/mirantis/cicd
`;
    const { desired } = loadDesired(new Map([['nodes/apt01.yml', node]]));
    const oci = desired.resources.find((r) => r.kind === 'oci');
    expect(oci?.spec.images).toEqual([{ name: 'mirantis/cicd/jenkins', tags: ['2019.2.0'], target: ['apt:5000', '127.0.0.1:5000'] }]);
    expect(planImages(oci as Resource)[0].targets.map((t) => t.base)).toEqual(['https://apt:5000', 'http://127.0.0.1:5000']);
  });
});
