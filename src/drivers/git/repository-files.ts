/**
 * The text files that make a folder of packs a bare repository (gitrepository-layout) that
 * `git upload-pack` serves over smart HTTP and that a dumb-HTTP client can read from any static
 * server (gitprotocol-http "Dumb Protocol"): `HEAD`, `config`, `packed-refs` (fully peeled,
 * sorted: the snapshot's refs, all of them), `refs/.keep` (git wants a `refs/` folder; a name
 * starting with a dot is never a ref), `info/refs` (what `git update-server-info` writes:
 * `<oid>\t<ref>`, peeled tags as `<ref>^{}`) and `objects/info/packs`. Pure.
 */
export interface PublishedRefs {
  /** Full ref name to oid, any order. */
  refs: Record<string, string>;
  /** For annotated tags: ref name to the commit (or other non-tag object) it finally names. */
  peeled: Record<string, string>;
  head: string;
  /** Pack names (`pack-<checksum>`), any order. */
  packs: readonly string[];
}

export const REPOSITORY_TEXT_FILES = ['HEAD', 'config', 'packed-refs', 'refs/.keep', 'info/refs', 'objects/info/packs'] as const;

export type RepositoryTextFiles = Record<(typeof REPOSITORY_TEXT_FILES)[number], string>;

const CONFIG = `[core]
\trepositoryformatversion = 0
\tbare = true
[uploadpack]
\tallowFilter = true
[http]
\treceivepack = false
`;

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
    config: CONFIG,
    'packed-refs': packed.join(''),
    'refs/.keep': 'refs of this snapshot are in ../packed-refs\n',
    'info/refs': infoRefs.join(''),
    'objects/info/packs': [...p.packs].sort().map((n) => `P ${n}.pack\n`).join('') + '\n',
  };
}
