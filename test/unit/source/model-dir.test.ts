import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModelDir } from '../../../src/source/model-dir.js';
import { readModelDir } from '../../../src/source/model-source.js';
import { renderNode } from '../../../src/model/index.js';
import { FerryError } from '../../../src/core/ferry-error.js';

describe('openModelDir: a model folder read lazily', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-model-dir-'));
    const put = async (path: string, text: string) => {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    };
    await put('nodes/n1.yml', 'classes: [used]\nparameters:\n  x: ${a}\n');
    await put('classes/used.yml', 'parameters: {a: 1}\n');
    await put('classes/unused/init.yaml', 'parameters: {b: 2}\n');
    await put('classes/.hidden/x.yml', 'parameters: {c: 3}\n');
    await put('classes/notes.txt', 'not a model file\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the same files as the eager reader, in the same order', async () => {
    const lazy = openModelDir(dir);
    const eager = await readModelDir(dir);
    expect([...lazy.keys()]).toEqual([...eager.keys()]);
    expect([...lazy.keys()]).toEqual(['classes/unused/init.yaml', 'classes/used.yml', 'nodes/n1.yml']);
    expect(new Map(lazy)).toEqual(eager);
    expect(lazy.size).toBe(3);
    expect(lazy.has('classes/.hidden/x.yml')).toBe(false);
  });

  it('reads a text when first asked for, then keeps it', async () => {
    const files = openModelDir(dir);
    // Changed after the listing but before the first read: the new text is what is read.
    await writeFile(join(dir, 'classes/unused/init.yaml'), 'parameters: {b: 3}\n');
    expect(files.get('classes/unused/init.yaml')).toBe('parameters: {b: 3}\n');
    await writeFile(join(dir, 'classes/unused/init.yaml'), 'parameters: {b: 4}\n');
    expect(files.get('classes/unused/init.yaml')).toBe('parameters: {b: 3}\n');
    expect(files.get('classes/absent.yml')).toBeUndefined();
  });

  it('renders a node reading only its own files', async () => {
    const files = openModelDir(dir);
    await rm(join(dir, 'classes/unused'), { recursive: true });
    // The deleted class is listed but never read: the node does not use it.
    expect(renderNode(files, 'n1').parameters).toEqual({ a: 1, x: 1, _reclass_: expect.anything() });
    expect(() => files.get('classes/unused/init.yaml')).toThrow(FerryError);
    try {
      files.get('classes/unused/init.yaml');
    } catch (e) {
      expect((e as FerryError).code).toBe('FERRY_USAGE');
      expect((e as FerryError).message).toContain(join(dir, 'classes/unused/init.yaml'));
    }
  });

  it('names the folder it cannot read', () => {
    expect(() => openModelDir(join(dir, 'missing'))).toThrow(/cannot read model directory .*missing/);
  });
});
