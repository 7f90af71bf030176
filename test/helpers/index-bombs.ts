/**
 * Decompression bombs for the index readers (issue 11, defect 3), made in well under a second:
 * an .xz file may hold several streams one after the other (xz -d reads them all), and so may a
 * .gz (several members), so one small compressed block repeated N times decompresses to N times
 * the block. Shared by the deb tests and the torture suite.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { xzBytes } from '../../src/compression/compression.js';
import type { GpgKey } from './deb-gpg.js';

const STANZA = `Package: bomb\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/main/b/bomb/bomb_1.0_amd64.deb\nSize: 1000\nSHA256: ${'0'.repeat(64)}\nDescription: x\n\n`;

/** `copies` xz streams of `block` back to back. */
export async function repeatedXz(block: Buffer, copies: number): Promise<Buffer> {
  const one = await xzBytes(block);
  return Buffer.concat(Array.from({ length: copies }, () => one));
}

/** A Packages.xz of about 355 KB holding 6.8 million stanzas (about 900 MB decompressed). */
export function stanzaBombXz(): Promise<Buffer> {
  return repeatedXz(Buffer.from(STANZA.repeat(10_000)), 680);
}

/** An .xz of 1 GiB of NUL bytes (about 290 KB): no newline, no stanza, no end in sight. */
export function nulBombXz(): Promise<Buffer> {
  return repeatedXz(Buffer.alloc(1 << 20), 1024);
}

/** A .gz of `mib` MiB of stanzas (gzip members back to back). */
export function stanzaBombGz(mib = 512): Buffer {
  const member = gzipSync(Buffer.from(STANZA.repeat(Math.ceil((1 << 20) / STANZA.length))), { level: 9 });
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

const sha = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest('hex');

/**
 * dists/<suite>/ of a signed archive whose only index is `index` at main/binary-amd64/<name>
 * (no uncompressed entry listed, as a hostile upstream would have it).
 */
export async function writeBombArchive(dir: string, key: GpgKey, name: 'Packages.xz' | 'Packages.gz', index: Buffer, suite = 'bookworm'): Promise<void> {
  const dist = join(dir, 'dists', suite);
  const rel = `main/binary-amd64/${name}`;
  await mkdir(dirname(join(dist, rel)), { recursive: true });
  await writeFile(join(dist, rel), index);
  const release = [
    'Origin: Bomb',
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${new Date(Date.now() - 3_600_000).toUTCString().replace('GMT', 'UTC')}`,
    'Architectures: amd64',
    'Components: main',
    'MD5Sum:',
    ` ${sha('md5', index)} ${index.length} ${rel}`,
    'SHA256:',
    ` ${sha('sha256', index)} ${index.length} ${rel}`,
  ].join('\n');
  await writeFile(join(dist, 'Release'), `${release}\n`);
  await key.clearsign(join(dist, 'Release'), join(dist, 'InRelease'));
}
