/**
 * The text files that make a folder of objects a bare repository a dumb-HTTP client can clone
 * (gitprotocol-http "Dumb Protocol", gitrepository-layout): `HEAD`, `info/refs` (what
 * `git update-server-info` writes: `<oid>\t<ref>`, peeled tags as `<ref>^{}`), `packed-refs`
 * (fully peeled, sorted) and `objects/info/packs`. Pure.
 */
export interface PublishedRefs {
  /** Full ref name to oid, any order. */
  refs: Record<string, string>;
  /** For annotated tags: ref name to the commit (or other non-tag object) it finally names. */
  peeled: Record<string, string>;
  head: string;
  packChecksum: string;
}

export interface RepositoryTextFiles {
  HEAD: string;
  'info/refs': string;
  'packed-refs': string;
  'objects/info/packs': string;
}

export function repositoryTextFiles(p: PublishedRefs): RepositoryTextFiles {
  const names = Object.keys(p.refs).sort();
  const infoRefs: string[] = [];
  const packed: string[] = ['# pack-refs with: peeled fully-peeled sorted \n'];
  for (const name of names) {
    infoRefs.push(`${p.refs[name]}\t${name}\n`);
    packed.push(`${p.refs[name]} ${name}\n`);
    const peeled = p.peeled[name];
    if (peeled) {
      infoRefs.push(`${peeled}\t${name}^{}\n`);
      packed.push(`^${peeled}\n`);
    }
  }
  return {
    HEAD: `ref: ${p.head}\n`,
    'info/refs': infoRefs.join(''),
    'packed-refs': packed.join(''),
    'objects/info/packs': `P pack-${p.packChecksum}.pack\n\n`,
  };
}
