import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileSink } from '../../../src/transport/file-sink.js';

describe('FileSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-sink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes and hashes many chunks in order, appending after existing bytes', async () => {
    const chunks = Array.from({ length: 300 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000)));
    const path = join(dir, 'out');
    const file = await open(path, 'w');
    await file.write(Buffer.from('head'));
    const hash = createHash('sha256');
    let counted = 0;
    const sink = new FileSink({ fd: file.fd, hash, onChunk: (n) => (counted += n) });
    await pipeline(Readable.from(chunks), sink);
    await sink.idle();
    await file.close();
    const body = Buffer.concat(chunks);
    expect(counted).toBe(body.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    expect((await readFile(path)).equals(Buffer.concat([Buffer.from('head'), body]))).toBe(true);
  });

  it('stops the stream when onChunk throws', async () => {
    const path = join(dir, 'stop');
    const file = await open(path, 'w');
    const sink = new FileSink({
      fd: file.fd,
      hash: createHash('sha256'),
      onChunk: () => {
        throw new Error('too big');
      },
    });
    await expect(pipeline(Readable.from([Buffer.from('x')]), sink)).rejects.toThrow('too big');
    await sink.idle();
    await file.close();
    expect((await readFile(path)).length).toBe(0);
  });
});
