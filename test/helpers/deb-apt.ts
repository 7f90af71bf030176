/**
 * Runs the real apt-get against a mirror with its own Dir root (no system state touched):
 * sources.list with `signed-by` the published site key, its own lists, cache and empty dpkg
 * status. argv only, never a shell.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AptRoot {
  root: string;
  apt(args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** .deb files in the download cache. */
  downloaded(): Promise<string[]>;
}

export async function makeAptRoot(options: { sources: string[]; keyFile: string; arch?: string; /** Foreign architectures too (dpkg --add-architecture). */ foreign?: string[] }): Promise<AptRoot> {
  const root = await mkdtemp(join(tmpdir(), 'ferry-apt-'));
  for (const d of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/trusted.gpg.d', 'etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg', 'var/log/apt']) {
    await mkdir(join(root, d), { recursive: true });
  }
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  await writeFile(join(root, 'etc/apt/sources.list'), options.sources.map((s) => s.replace('SIGNED_BY', options.keyFile)).join('\n') + '\n');
  const conf = [
    `Dir "${root}/";`,
    'Dir::State "var/lib/apt/";',
    `Dir::State::status "${root}/var/lib/dpkg/status";`,
    'Dir::Cache "var/cache/apt/";',
    'Dir::Etc "etc/apt/";',
    'Dir::Log "var/log/apt/";',
    `APT::Architecture "${options.arch ?? 'amd64'}";`,
    `APT::Architectures { ${[options.arch ?? 'amd64', ...(options.foreign ?? [])].map((a) => `"${a}";`).join(' ')} };`,
    'Acquire::Languages "none";',
    'Acquire::Retries "0";',
    'APT::Sandbox::User "root";',
    'Debug::NoLocking "true";',
    'Acquire::http::Proxy "DIRECT";',
  ].join('\n');
  const confFile = join(root, 'apt.conf');
  await writeFile(confFile, `${conf}\n`);
  return {
    root,
    apt: (args) => run('apt-get', ['-q', ...args], { env: { ...process.env, APT_CONFIG: confFile, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 1 << 24 }),
    downloaded: async () => (await readdir(join(root, 'var/cache/apt/archives'))).filter((f) => f.endsWith('.deb')).sort(),
  };
}
