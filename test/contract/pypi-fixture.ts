/** The pypi kind's contract fixture: a generated index (PEP 691 JSON pages, wheels only, no .metadata files) on 127.0.0.1, mirrored with dependencies. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pypiKind } from '../../src/drivers/pypi/kind.js';
import { FsBlobStore } from '../../src/store/blob-store.js';
import { createHttpFetcher } from '../../src/transport/http-fetcher.js';
import { writeFixtureUpstream } from '../helpers/pypi-upstream-fixture.js';
import { startPypiUpstream } from '../helpers/pypi-wheels.js';
import type { ContractFixture } from './driver-contract.js';

export const pypiFixture: ContractFixture = {
  kind: pypiKind,
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-contract-pypi-'));
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const blobs = new FsBlobStore(stateDir);
    await blobs.init();
    await writeFixtureUpstream(join(dir, 'upstream'), { json: true, metadataFiles: false });
    const server = await startPypiUpstream(join(dir, 'upstream'));
    // The real fetcher: the index is asked for PEP 691 JSON by Accept.
    const fetcher = createHttpFetcher({ retries: 0 });
    const spec = pypiKind.withDefaults!({ index_url: server.index, projects: ['app'], with_deps: true, python_versions: ['3.11'], platforms: ['manylinux_2_28_x86_64'] });
    return {
      stateDir,
      fetcher,
      blobs,
      spec,
      invalid: { index_url: server.index, projects: ['app (>='] },
      cleanup: async () => {
        await fetcher.close();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
