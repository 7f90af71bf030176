/**
 * The contract fixtures of the kinds Ferry has: each starts its upstream on 127.0.0.1 (a deb
 * archive signed by a fresh gpg key, git repositories behind git http-backend, plain files) and
 * gives a spec that mirrors it and one its kind's parseSpec refuses.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debKind } from '../../src/drivers/deb/kind.js';
import { fileKind } from '../../src/drivers/file/kind.js';
import { gitKind } from '../../src/drivers/git/kind.js';
import { FsBlobStore } from '../../src/store/blob-store.js';
import { createHttpFetcher } from '../../src/transport/http-fetcher.js';
import { makeGpgKey } from '../helpers/deb-gpg.js';
import { startStaticServer } from '../helpers/deb-http.js';
import { makeUpstream } from '../helpers/deb-repo.js';
import { git, startSmartServer } from '../integration/git/git-servers.js';
import type { ContractFixture, ContractSetup } from './driver-contract.js';

/** The real transport, pointed at 127.0.0.1: no proxy from the environment, no credentials file, quick retries. */
const contractFetcher = () => createHttpFetcher({ env: {}, credentials: {}, retries: 1, backoffMs: 50 });

/** A temp state folder with a blob store and the real fetcher; `extra` is cleaned up too. */
export async function base(extra: () => Promise<void>, prefix = 'ferry-contract-'): Promise<Omit<ContractSetup, 'spec' | 'invalid'> & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const blobs = new FsBlobStore(stateDir);
  await blobs.init();
  const fetcher = contractFetcher();
  return {
    dir,
    stateDir,
    fetcher,
    blobs,
    cleanup: async () => {
      await fetcher.close();
      await extra();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const fileFixture: ContractFixture = {
  kind: fileKind,
  async setup() {
    let close: () => Promise<void> = async () => undefined;
    const s = await base(() => close());
    const upstream = join(s.dir, 'upstream');
    await mkdir(upstream);
    const bytes = Buffer.from('a qcow2 image, say\n');
    await writeFile(join(upstream, 'cirros.img'), bytes);
    const server = await startStaticServer(upstream);
    close = () => server.close();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const spec = fileKind.withDefaults!({ files: [{ url: `${server.url}/cirros.img`, sha256, size: bytes.length }] });
    return { ...s, spec, invalid: { files: [{ url: `${server.url}/a`, sha256, path: 'SHA256SUMS' }] } };
  },
};

/**
 * A signed deb archive on 127.0.0.1 (app depending on libfoo, and other) and the spec of a deb
 * mirror of `app` from it: the deb fixture's, and the member of the deb-publication fixture.
 */
export async function debArchiveSetup(prefix?: string): Promise<Omit<ContractSetup, 'spec' | 'invalid'> & { dir: string; debSpec: Record<string, unknown> }> {
  let close: () => Promise<void> = async () => undefined;
  const s = await base(() => close(), prefix);
  const key = await makeGpgKey();
  await makeUpstream(join(s.dir, 'upstream', 'debian'), [{ name: 'app', version: '1.0', depends: 'libfoo' }, { name: 'libfoo', version: '1.0' }, { name: 'other', version: '2.0' }], { key, byHash: true, real: false });
  const server = await startStaticServer(join(s.dir, 'upstream'));
  close = async () => {
    await server.close();
    await key.destroy();
  };
  return { ...s, debSpec: { url: `${server.url}/debian`, suites: ['bookworm'], components: ['main'], architectures: ['amd64'], keys: [key.publicArmored], packages: ['app'] } };
}

export const debFixture: ContractFixture = {
  kind: debKind,
  async setup() {
    const { debSpec: spec, ...s } = await debArchiveSetup();
    return { ...s, spec, invalid: { ...spec, filter: 'Name (% (((' } };
  },
};

export const gitFixture: ContractFixture = {
  kind: gitKind,
  async setup() {
    let close: () => Promise<void> = async () => undefined;
    const s = await base(() => close());
    const work = join(s.dir, 'work');
    await mkdir(work);
    await git(work, ['init', '-q', '-b', 'master']);
    await writeFile(join(work, 'README.md'), 'a formula\n');
    await git(work, ['add', '-A']);
    await git(work, ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'first']);
    await git(work, ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'tag', '-a', 'v1', '-m', 'v1']);
    await mkdir(join(s.dir, 'upstream'));
    await git(s.dir, ['clone', '-q', '--bare', work, join(s.dir, 'upstream', 'formula.git')]);
    const server = await startSmartServer(join(s.dir, 'upstream'));
    close = () => server.close();
    const spec = { repositories: [{ name: 'salt/formula', url: `${server.base}/formula.git` }] };
    return { ...s, spec, invalid: { repositories: [{ name: 'a', url: `${server.base}/formula.git`, refs: ['refs/notes/*'] }] } };
  },
};
