import type { Hash } from 'node:crypto';
import { write, writev } from 'node:fs';
import { Writable } from 'node:stream';

export interface FileSinkOptions {
  /** An open file descriptor, positioned (or opened with 'a') where the bytes go. */
  fd: number;
  hash: Hash;
  /** Called with each chunk before it is written; throw to stop the stream. */
  onChunk?: (length: number) => void;
}

/**
 * A Writable that hashes each chunk and writes it to `fd`, gathering what piled up during a
 * write into one writev(2) call. The hash sees the bytes in order because a Writable hands
 * over chunks in order and never runs two writes at once. Does not close or fsync the fd.
 */
export class FileSink extends Writable {
  private readonly fd: number;
  private readonly hash: Hash;
  private readonly onChunk?: (length: number) => void;
  private writing = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(options: FileSinkOptions) {
    super({ highWaterMark: 4 << 20 });
    this.fd = options.fd;
    this.hash = options.hash;
    this.onChunk = options.onChunk;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.take(chunk);
    } catch (e) {
      callback(e as Error);
      return;
    }
    this.track([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    try {
      for (const b of buffers) this.take(b);
    } catch (e) {
      callback(e as Error);
      return;
    }
    this.track(buffers, callback);
  }

  /** Resolves once no write is in flight: only then may the fd be closed (or its number reused). */
  idle(): Promise<void> {
    if (this.writing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private track(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    this.writing++;
    writeAll(this.fd, buffers, (error) => {
      this.writing--;
      if (this.writing === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      callback(error);
    });
  }

  private take(chunk: Buffer): void {
    this.onChunk?.(chunk.length);
    this.hash.update(chunk);
  }
}

/** writev until every byte is written (a regular file may take fewer bytes than asked). */
function writeAll(fd: number, buffers: Buffer[], callback: (error?: Error | null) => void): void {
  const wanted = buffers.reduce((n, b) => n + b.length, 0);
  const done = (error: NodeJS.ErrnoException | null, written: number) => {
    if (error) return callback(error);
    if (written >= wanted) return callback();
    const rest = Buffer.concat(buffers).subarray(written);
    write(fd, rest, 0, rest.length, null, (e, n) => (e ? callback(e) : n === rest.length ? callback() : writeAll(fd, [rest.subarray(n)], callback)));
  };
  if (buffers.length === 1) write(fd, buffers[0], 0, buffers[0].length, null, done);
  else writev(fd, buffers, null, done);
}
