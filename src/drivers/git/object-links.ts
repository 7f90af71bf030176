/**
 * The objects a git object points to, read from its raw content (gitformat-object: commit and
 * tag headers; tree entries `<mode> <name>\0<20-byte id>`). Submodule entries (mode 160000)
 * point into other repositories and are not followed. Pure.
 */
import { FerryError } from '../../core/ferry-error.js';

export type GitObjectType = 'commit' | 'tree' | 'blob' | 'tag';

const HEX = /^[0-9a-f]{40}$/;

function headerLines(content: Uint8Array): string[] {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const end = bytes.indexOf('\n\n');
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end).split('\n');
}

function headerOid(line: string, oid: string): string {
  const value = line.slice(line.indexOf(' ') + 1);
  if (!HEX.test(value)) throw new FerryError('FERRY_BAD_INDEX', `git object ${oid}: bad header line ${JSON.stringify(line.slice(0, 60))}`, { actual: line.slice(0, 60) });
  return value;
}

/** Tree entries as [oid, isTree], submodules left out. */
function treeLinks(content: Uint8Array, oid: string): string[] {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const out: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const space = bytes.indexOf(0x20, i);
    const nul = bytes.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > bytes.length) throw new FerryError('FERRY_BAD_INDEX', `git tree ${oid} is truncated`, { actual: oid });
    const mode = bytes.toString('latin1', i, space);
    if (mode !== '160000') out.push(bytes.toString('hex', nul + 1, nul + 21));
    i = nul + 21;
  }
  return out;
}

/** The ids an object refers to: a commit's tree and parents, a tag's object, a tree's entries. */
export function objectLinks(type: GitObjectType, content: Uint8Array, oid: string): string[] {
  switch (type) {
    case 'blob':
      return [];
    case 'tree':
      return treeLinks(content, oid);
    case 'commit':
      return headerLines(content)
        .filter((l) => l.startsWith('tree ') || l.startsWith('parent '))
        .map((l) => headerOid(l, oid));
    case 'tag':
      return headerLines(content)
        .filter((l) => l.startsWith('object '))
        .map((l) => headerOid(l, oid));
  }
}
