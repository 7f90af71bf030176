/**
 * Issue 12: Docker images an MCP node lists that name no image (a `docker:client:images` entry
 * with neither image nor name, a `docker_client_registry_image` item without name) are listed as
 * not mirrored with their path, never skipped in silence; a disabled one is skipped.
 */
import { describe, expect, it } from '@jest/globals';
import { translateMcp } from '../../../src/drivers/mcp.js';
import { account } from '../../helpers/mcp-accounting.js';

const params = {
  docker: { client: { enabled: true, images: ['registry:2', { image: 'docker.io/library/alpine:3.19' }, { enabled: false }, { tag: 'x' }, 7] } },
  _param: {
    default_local_mirrror_content: {
      docker_client_registry_image: {
        image: [
          { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', name: 'jenkins:2019.2.1' },
          { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', target_registry: 'apt:5000/mirantis/cicd' },
          { registry: 'docker-prod-local.artifactory.mirantis.com/mirantis/cicd', enabled: false },
        ],
      },
    },
  },
};

describe('MCP image entries with no reference', () => {
  it('are listed with their path; the others are mirrored; a disabled one is skipped', () => {
    const t = translateMcp(params);
    expect(t.notMirrored.map((n) => `${n.path.join('.')}: ${n.reason}`)).toEqual([
      'docker.client.images.3: an image entry with neither image nor name: no reference to pull',
      'docker.client.images.4: 7 is not an image reference',
      '_param.default_local_mirrror_content.docker_client_registry_image.image.1: an image item without name (salt-formula-docker pulls <registry>/<name>): no reference to pull',
    ]);
    expect([...t.mirrors.values()].map((m) => [m.name, (m.spec.images as Array<{ name: string }>).map((i) => i.name)])).toEqual([
      ['docker-docker.io', ['library/registry', 'library/alpine']],
      ['docker-docker-prod-local.artifactory.mirantis.com', ['mirantis/cicd/jenkins']],
    ]);
    expect(Object.entries(account(params)).filter(([, v]) => v === 'MISSING')).toEqual([]);
  });
});
