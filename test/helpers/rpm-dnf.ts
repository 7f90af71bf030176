/**
 * Debian's dnf run as a client with a root of its own: an installroot, a dnf.conf and repo files
 * pointing at a mirror, gpgcheck and repo_gpgcheck on, metadata always re-read. argv only.
 * Needs scripts/install-rpm.sh (dnf, dnf-plugins-core for `dnf download`).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DnfRepo {
  id: string;
  baseurl: string;
  /** URLs (http:// or file://) of the keys: the site key for repomd.xml, upstream's for packages. */
  gpgkeys: string[];
}

export interface DnfResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DnfRoot {
  root: string;
  dnf(args: string[]): Promise<DnfResult>;
  /** `dnf download --resolve` into a fresh folder: the file names downloaded, sorted. */
  download(packages: string[]): Promise<{ result: DnfResult; files: string[] }>;
  destroy(): void;
}

export function makeDnfRoot(repos: DnfRepo[]): DnfRoot {
  const root = mkdtempSync(join(tmpdir(), 'ferry-dnf-'));
  mkdirSync(join(root, 'etc', 'yum.repos.d'), { recursive: true });
  const conf = join(root, 'dnf.conf');
  writeFileSync(conf, `[main]\ngpgcheck=1\nrepo_gpgcheck=1\ninstall_weak_deps=0\nkeepcache=0\nreposdir=${join(root, 'etc', 'yum.repos.d')}\ncachedir=${join(root, 'cache')}\n`);
  for (const r of repos) {
    writeFileSync(join(root, 'etc', 'yum.repos.d', `${r.id}.repo`), `[${r.id}]\nname=${r.id}\nbaseurl=${r.baseurl}\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\nmetadata_expire=0\ngpgkey=${r.gpgkeys.join(' ')}\n`);
  }
  const dnf = (args: string[]) =>
    new Promise<DnfResult>((resolve, reject) => {
      execFile(
        'dnf',
        ['-y', '-c', conf, '--installroot', root, '--releasever', '1', '--disableplugin', 'local', '--setopt', `reposdir=${join(root, 'etc', 'yum.repos.d')}`, '--setopt', `cachedir=${join(root, 'cache')}`, ...args],
        { maxBuffer: 1 << 24, timeout: 120_000 },
        (e, stdout, stderr) => {
          if (e && (e as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('dnf is missing: run scripts/install-rpm.sh', { cause: e }));
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  let n = 0;
  return {
    root,
    dnf,
    async download(packages) {
      const dest = join(root, `download-${n++}`);
      mkdirSync(dest);
      const result = await dnf(['--refresh', 'download', '--resolve', '--destdir', dest, ...packages]);
      return { result, files: readdirSync(dest).filter((f) => f.endsWith('.rpm')).sort() };
    },
    destroy: () => rmSync(root, { recursive: true, force: true }),
  };
}
