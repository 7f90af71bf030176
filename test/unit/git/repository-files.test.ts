import { describe, expect, it } from '@jest/globals';
import { repositoryTextFiles } from '../../../src/drivers/git/repository-files.js';

describe('repositoryTextFiles', () => {
  it('writes what git update-server-info and pack-refs write, sorted and peeled', () => {
    const commit = '267ef762bd47cd03949c646d8a899b966616b9ae';
    const tag = '65bcccf4270697aee46d220e9fd632e982150641';
    const files = repositoryTextFiles({
      refs: { 'refs/tags/v1': tag, 'refs/heads/master': commit, 'refs/tags/light': commit },
      peeled: { 'refs/tags/v1': commit },
      head: 'refs/heads/master',
      packs: ['pack-e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4', 'pack-52154a3a72279b00c216cd8f514e69f33745107c'],
    });
    expect(files.HEAD).toBe('ref: refs/heads/master\n');
    expect(files['info/refs']).toBe(`${commit}\trefs/heads/master\n${commit}\trefs/tags/light\n${tag}\trefs/tags/v1\n${commit}\trefs/tags/v1^{}\n`);
    expect(files['packed-refs']).toBe(`# pack-refs with: peeled fully-peeled sorted \n${commit} refs/heads/master\n${commit} refs/tags/light\n${tag} refs/tags/v1\n^${commit}\n`);
    expect(files['objects/info/packs']).toBe('P pack-52154a3a72279b00c216cd8f514e69f33745107c.pack\nP pack-e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4.pack\n\n');
    expect(files.config).toMatch(/bare = true/);
    expect(files.config).toMatch(/receivepack = false/);
    expect(Object.keys(files).sort()).toEqual(['HEAD', 'config', 'info/refs', 'objects/info/packs', 'packed-refs', 'refs/.keep']);
  });
});
