/**
 * Index compression: gzip in-process (node:zlib), xz through the `xz` program (xz-utils; argv,
 * no shell) since Node has no xz codec, zstd (read only: rpm repodata) in-process with fzstd
 * (pure JavaScript, no native build; node:zlib has zstd only from Node 22.15). Output is deterministic (gzip header without name or
 * time, single-threaded xz) so that unchanged indexes keep their digests. Levels favour speed
 * (gzip 6, xz 1: about 4x faster than xz 6 for a few percent more bytes): a mirror's indexes
 * are regenerated on every upstream change and served over a LAN.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createGunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { FerryError } from '../core/ferry-error.js';

export type Compression = '' | 'gz' | 'xz' | 'zst';

const gzipAsync = promisify(gzip);

export function compressionOf(path: string): Compression {
  if (path.endsWith('.gz')) return 'gz';
  if (path.endsWith('.xz')) return 'xz';
  if (path.endsWith('.zst')) return 'zst';
  return '';
}

/** The decompressed bytes of the file at `path`, as a stream of chunks. */
export async function* readDecompressed(path: string, compression: Compression, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (compression === 'xz') {
    const child = spawn('xz', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
    try {
      for await (const chunk of child.stdout) yield chunk as Buffer;
    } finally {
      // The reader stopped early (a bound was passed, an error): end xz now.
      if (child.exitCode === null) child.kill();
    }
    const code = await done;
    if (code !== 0) throw new FerryError('FERRY_BAD_INDEX', `xz could not decompress ${path}: ${stderr.trim() || `exit ${code}`}`, { file: path });
    return;
  }
  if (compression === 'zst') {
    yield* readZstd(path, signal);
    return;
  }
  const file = createReadStream(path, { signal, highWaterMark: 1 << 20 });
  const stream = compression === 'gz' ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  if (compression === 'gz') file.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw new FerryError('FERRY_BAD_INDEX', `could not read ${compression ? `${compression}-compressed ` : ''}index ${path}: ${(e as Error).message}`, { file: path }, e);
  }
}

/**
 * The input is fed to the decoder in slices of this size: one zstd block of 128 KiB can take
 * 4 bytes (an RLE block), so a slice decodes to at most 32 MiB before the reader (and the
 * bounds of bounded.ts) see it.
 */
const ZSTD_SLICE = 1024;

async function* readZstd(path: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const { Decompress } = await import('fzstd');
  let out: Buffer[] = [];
  const decoder = new Decompress((data) => {
    out.push(Buffer.from(data));
  });
  const take = () => {
    const got = out;
    out = [];
    return got;
  };
  try {
    for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      for (let at = 0; at < bytes.length; at += ZSTD_SLICE) {
        decoder.push(bytes.subarray(at, at + ZSTD_SLICE));
        if (out.length) yield* take();
      }
    }
    decoder.push(new Uint8Array(0), true);
    yield* take();
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw new FerryError('FERRY_BAD_INDEX', `could not read zstd-compressed index ${path}: ${(e as Error).message}`, { file: path }, e);
  }
}

export async function gzipBytes(data: Uint8Array): Promise<Buffer> {
  return gzipAsync(data, { level: 6 });
}

/** At most this many xz processes at once. */
const XZ_PARALLEL = 2;
let xzRunning = 0;
const xzWaiting: Array<() => void> = [];

export async function xzBytes(data: Uint8Array, signal?: AbortSignal): Promise<Buffer> {
  if (xzRunning >= XZ_PARALLEL) await new Promise<void>((resolve) => xzWaiting.push(resolve));
  xzRunning++;
  try {
    return await runXz(data, signal);
  } finally {
    xzRunning--;
    xzWaiting.shift()?.();
  }
}

function runXz(data: Uint8Array, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-c', '-1', '-T1', '--format=xz', '--check=crc64'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new FerryError('FERRY_INTERNAL', `cannot run xz (install xz-utils): ${e.message}`, {}, e)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new FerryError('FERRY_INTERNAL', `xz failed: ${stderr.trim() || `exit ${code}`}`));
    });
    child.stdin.end(data);
  });
}
