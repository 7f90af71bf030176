/**
 * The oci kind's contract fixture: Debian's docker-registry on 127.0.0.1 (scripts/install-oci.sh)
 * holding a generated two-platform index and a plain OCI image; a spec that mirrors them (one
 * platform of the index, a tag pattern), and one whose tag pattern parseSpec refuses.
 */
import { join } from 'node:path';
import { ociKind } from '../../src/drivers/oci/kind.js';
import { image, index, layer, pushImage } from '../helpers/oci-images.js';
import { requireOciTools, startRegistry } from '../helpers/oci-registry.js';
import type { ContractFixture } from './driver-contract.js';
import { base } from './fixtures.js';

export const ociFixture: ContractFixture = {
  kind: ociKind,
  async setup() {
    requireOciTools();
    let stop: () => Promise<void> = async () => undefined;
    const s = await base(() => stop(), 'ferry-contract-oci-');
    const registry = await startRegistry(join(s.dir, 'registry'));
    stop = () => registry.stop();
    const amd64 = image({ layers: [layer('amd64', 2048)], architecture: 'amd64' });
    const arm64 = image({ layers: [layer('arm64', 1024)], architecture: 'arm64' });
    await pushImage(registry.url, 'library/app', index([{ image: amd64, os: 'linux', architecture: 'amd64' }, { image: arm64, os: 'linux', architecture: 'arm64' }]), ['1.0', 'latest']);
    await pushImage(registry.url, 'tools/box', image({ layers: [layer('box', 512)], oci: true }), ['2.1', '3.0']);
    const spec = {
      registry: registry.url,
      platforms: ['linux/amd64'],
      images: [
        { name: 'library/app', tags: ['1.0', 'latest'] },
        { name: 'tools/box', tags: ['/^2\\./'] },
      ],
    };
    return { ...s, spec, invalid: { ...spec, images: [{ name: 'library/app', tags: ['/[unclosed/'] }] } };
  },
};
