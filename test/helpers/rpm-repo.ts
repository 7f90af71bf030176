/**
 * A real RPM repository for tests and the benchmark: packages built by rpmbuild (one spec with
 * subpackages per version, so thousands of packages cost one rpmbuild run), signed with rpmsign,
 * indexed by createrepo_c, repomd.xml signed with gpg (repomd.xml.asc). argv only, never a shell.
 * Needs scripts/install-rpm.sh.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GpgKey } from './deb-gpg.js';

const exec = promisify(execFile);

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    return (await exec(cmd, args, { maxBuffer: 1 << 26 })).stdout;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cmd} is missing: run scripts/install-rpm.sh`, { cause: e });
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`, { cause: e });
  }
}

export interface RpmDef {
  name: string;
  version?: string;
  release?: string;
  requires?: string[];
  provides?: string[];
  obsoletes?: string[];
  recommends?: string[];
  /** Files the package holds (created with a line of text each). */
  files?: string[];
}

export interface BuildOptions {
  packages: RpmDef[];
  /** Signs packages (rpmsign) and repomd.xml (repomd.xml.asc). */
  key?: GpgKey;
  /** Leave the packages unsigned (rpmsign runs gpg once per package: minutes for thousands). */
  unsignedPackages?: boolean;
  /** createrepo_c's compression of primary, filelists and other (default gz). */
  compress?: 'gz' | 'xz' | 'zstd';
  /** Where packages go below the repository root (default Packages). */
  subdir?: string;
}

function specText(defs: RpmDef[], version: string, release: string): string {
  const [main] = defs;
  const lines = [`Name: ${main.name}`, `Version: ${version}`, `Release: ${release}`, 'Summary: Ferry test package', 'License: MIT', 'BuildArch: noarch', '%define debug_package %{nil}', '%define _build_id_links none'];
  const header = (d: RpmDef) => [
    'AutoReqProv: no',
    ...(d.requires ?? []).map((r) => `Requires: ${r}`),
    ...(d.provides ?? []).map((r) => `Provides: ${r}`),
    ...(d.obsoletes ?? []).map((r) => `Obsoletes: ${r}`),
    ...(d.recommends ?? []).map((r) => `Recommends: ${r}`),
  ];
  lines.push(...header(main), '%description', `The ${main.name} test package.`);
  for (const d of defs.slice(1)) lines.push(`%package -n ${d.name}`, `Summary: ${d.name} test package`, ...header(d), `%description -n ${d.name}`, `The ${d.name} test package.`);
  lines.push('%install');
  for (const d of defs) for (const f of d.files ?? []) lines.push(`mkdir -p %{buildroot}${f.slice(0, f.lastIndexOf('/')) || '/'}`, `echo ${d.name} > %{buildroot}${f}`);
  lines.push('%files', ...(main.files ?? []));
  for (const d of defs.slice(1)) lines.push(`%files -n ${d.name}`, ...(d.files ?? []));
  return `${lines.join('\n')}\n`;
}

/**
 * Debian 12's createrepo_c 0.17 has no zstd: primary, filelists and other are recompressed with
 * the zstd program and repomd.xml rewritten for them (checksum, size, checksum-named href), as
 * createrepo_c 1.x writes them by default.
 */
async function recompressZstd(root: string): Promise<void> {
  const repomdPath = join(root, 'repodata', 'repomd.xml');
  let repomd = await readFile(repomdPath, 'utf8');
  for (const type of ['primary', 'filelists', 'other']) {
    const block = new RegExp(`<data type="${type}">[\\s\\S]*?</data>`).exec(repomd)?.[0];
    if (!block) continue;
    const href = /<location href="([^"]+)"/.exec(block)![1];
    const plain = gunzipSync(await readFile(join(root, href)));
    const zst = (await execBuffer('zstd', ['-q', '-c', '-3'], plain));
    const sum = createHash('sha256').update(zst).digest('hex');
    const newHref = `repodata/${sum}-${type}.xml.zst`;
    await writeFile(join(root, newHref), zst);
    await rm(join(root, href));
    const updated = block
      .replace(/<checksum type="sha256">[0-9a-f]+<\/checksum>/, `<checksum type="sha256">${sum}</checksum>`)
      .replace(/<location href="[^"]+"\/>/, `<location href="${newHref}"/>`)
      .replace(/<size>\d+<\/size>/, `<size>${zst.length}</size>`);
    repomd = repomd.replace(block, updated);
  }
  await writeFile(repomdPath, repomd);
}

function execBuffer(cmd: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'buffer', maxBuffer: 1 << 28 }, (e, out) => (e ? reject(new Error(`${cmd} failed: ${e.message}`, { cause: e })) : resolve(out)));
    child.stdin?.end(input);
  });
}

/** Builds the repository into `root` (created). */
export async function buildRpmRepo(root: string, o: BuildOptions): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'ferry-rpmbuild-'));
  const subdir = o.subdir ?? 'Packages';
  try {
    await mkdir(join(root, subdir), { recursive: true });
    const groups = new Map<string, RpmDef[]>();
    for (const d of o.packages) {
      const k = `${d.version ?? '1.0'}\0${d.release ?? '1'}`;
      const g = groups.get(k);
      if (g) g.push(d);
      else groups.set(k, [d]);
    }
    let n = 0;
    for (const [k, defs] of groups) {
      const [version, release] = k.split('\0');
      const spec = join(work, `g${n++}.spec`);
      await writeFile(spec, specText(defs, version, release));
      await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${join(work, 'top')}`, '--define', `_rpmdir ${join(work, 'out')}`, '--define', '_binary_payload w1.gzdio', spec]);
    }
    const built = join(work, 'out', 'noarch');
    const rpms = (await readdir(built)).filter((f) => f.endsWith('.rpm')).sort();
    if (o.key && !o.unsignedPackages) {
      for (let i = 0; i < rpms.length; i += 500) {
        await run('rpmsign', [
          '--addsign',
          '--define', `_gpg_name ${o.key.fingerprint}`,
          '--define', `_gpg_path ${o.key.home}`,
          '--define', '__gpg /usr/bin/gpg',
          '--define', "_gpg_sign_cmd_extra_args --pinentry-mode loopback --passphrase ''",
          ...rpms.slice(i, i + 500).map((f) => join(built, f)),
        ]);
      }
    }
    for (const f of rpms) await rename(join(built, f), join(root, subdir, f));
    const compress = o.compress ?? 'gz';
    await run('createrepo_c', ['-q', '--no-database', '--general-compress-type', compress === 'zstd' ? 'gz' : compress, root]);
    if (compress === 'zstd') await recompressZstd(root);
    if (o.key) await o.key.detachSign(join(root, 'repodata', 'repomd.xml'), join(root, 'repodata', 'repomd.xml.asc'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Rewrites one data file of a built repository (gz or zst): `transform` gets its decompressed
 * text and returns the new text; the file is written gzip-compressed under a checksum name and
 * repomd.xml updated (checksum, open-checksum, sizes, href) and signed again with `key`. For
 * hostile-upstream tests: the result is a correctly indexed, correctly signed bad document.
 */
export async function rewriteData(root: string, type: string, transform: (text: string) => string, key?: GpgKey): Promise<void> {
  const repomdPath = join(root, 'repodata', 'repomd.xml');
  let repomd = await readFile(repomdPath, 'utf8');
  const block = new RegExp(`<data type="${type}">[\\s\\S]*?</data>`).exec(repomd)?.[0];
  if (!block) throw new Error(`no ${type} in ${repomdPath}`);
  const href = /<location href="([^"]+)"/.exec(block)![1];
  const raw = await readFile(join(root, href));
  const plain = href.endsWith('.zst') ? await execBuffer('zstd', ['-q', '-d', '-c'], raw) : gunzipSync(raw);
  const text = Buffer.from(transform(plain.toString('utf8')), 'utf8');
  const gz = gzipSync(text);
  const sum = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const newHref = `repodata/${sum(gz)}-${type}.xml.gz`;
  await rm(join(root, href));
  await writeFile(join(root, newHref), gz);
  const updated = block
    .replace(/<checksum type="sha256">[0-9a-f]+<\/checksum>/, `<checksum type="sha256">${sum(gz)}</checksum>`)
    .replace(/<open-checksum type="sha256">[0-9a-f]+<\/open-checksum>/, `<open-checksum type="sha256">${sum(text)}</open-checksum>`)
    .replace(/<location href="[^"]+"\/>/, `<location href="${newHref}"/>`)
    .replace(/<size>\d+<\/size>/, `<size>${gz.length}</size>`)
    .replace(/<open-size>\d+<\/open-size>/, `<open-size>${text.length}</open-size>`);
  repomd = repomd.replace(block, updated);
  await writeFile(repomdPath, repomd);
  if (key) await key.detachSign(repomdPath, join(root, 'repodata', 'repomd.xml.asc'));
}
