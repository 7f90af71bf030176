/**
 * The dists/ tree Ferry serves for a deb mirror (wiki.debian.org/DebianRepository/Format):
 * per suite, component and architecture a Packages index (plus .gz and .xz) made of the
 * upstream stanzas of the selected packages, copied verbatim (so Filename keeps upstream's pool
 * layout), the same for udebs (debian-installer/) and Sources; a Release listing them with
 * MD5Sum, SHA1, SHA256 and SHA512, `Acquire-By-Hash: yes` and by-hash copies; InRelease and
 * Release.gpg signed with the site key. Release's Date is the publish time (upstream's may be
 * long past: an old upstream must not publish an already expired Release), and Valid-Until
 * counts from it. Deterministic: the same selection and date give the same bytes.
 */
import { createHash } from 'node:crypto';
import type { GeneratedFile } from '../types.js';
import { gzipBytes, xzBytes } from '../../compression/compression.js';
import type { DebPackage } from './format/package.js';
import { buildRelease, formatReleaseDate, redateRelease, type ReleaseEntry } from './format/release.js';
import { signRelease, type SigningKey } from '../../pgp/signing.js';
import type { DebSource } from './format/sources.js';
import type { FetchedSuite } from './upstream.js';

export interface PublishInput {
  resource: string;
  url: string;
  flat: boolean;
  components: string[];
  architectures: string[];
  suites: FetchedSuite[];
  packages: DebPackage[];
  udebs: DebPackage[];
  sources: DebSource[];
  /** Stanza text of a selected package or source, as upstream wrote it. */
  stanza: (item: DebPackage | DebSource) => string;
  key: SigningKey;
  /** The publish time: each Release's Date, its signatures' time, and where Valid-Until counts from. */
  date: Date;
  /** 0 = no Valid-Until. */
  validUntilDays: number;
  signal?: AbortSignal;
}

/** Public key files at the mirror root (for `signed-by`). */
export const PUBLIC_KEY_ASC = 'archive-key.asc';
export const PUBLIC_KEY_GPG = 'archive-key.gpg';

const hex = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest('hex');

function entryFor(path: string, content: Uint8Array): ReleaseEntry {
  return { path, size: content.length, md5: hex('md5', content), sha1: hex('sha1', content), sha256: hex('sha256', content), sha512: hex('sha512', content) };
}

const byKey = (a: { name: string; version: string; arch?: string }, b: { name: string; version: string; arch?: string }) => {
  const ka = `${a.name}\0${a.version}\0${a.arch ?? ''}`;
  const kb = `${b.name}\0${b.version}\0${b.arch ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Writes the index file set (plain, .gz, .xz) of one index and its by-hash copies. */
async function indexSet(dir: string, relDir: string, base: string, text: string, signal?: AbortSignal): Promise<{ files: GeneratedFile[]; entries: ReleaseEntry[] }> {
  const plain = Buffer.from(text, 'utf8');
  const [gz, xz] = await Promise.all([gzipBytes(plain), xzBytes(plain, signal)]);
  const variants: Array<[string, Buffer]> = [
    [base, plain],
    [`${base}.gz`, gz],
    [`${base}.xz`, xz],
  ];
  const files: GeneratedFile[] = [];
  const entries: ReleaseEntry[] = [];
  for (const [name, content] of variants) {
    const e = entryFor(relDir ? `${relDir}/${name}` : name, content);
    entries.push(e);
    files.push({ path: dir ? `${dir}/${name}` : name, content });
    for (const [algo, sum] of [['SHA256', e.sha256], ['SHA512', e.sha512]] as const) {
      files.push({ path: `${dir ? `${dir}/` : ''}by-hash/${algo}/${sum}`, content });
    }
  }
  return { files, entries };
}

function join(items: string[]): string {
  return items.length ? `${items.join('\n\n')}\n` : '';
}

/** Generates dists/ (or the flat directory) for every suite, signed, plus the public key. */
export async function publishDists(o: PublishInput): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [
    { path: PUBLIC_KEY_ASC, content: Buffer.from(o.key.publicArmored, 'utf8') },
    { path: PUBLIC_KEY_GPG, content: o.key.publicBinary },
  ];
  for (const s of o.suites) {
    const root = o.flat ? s.suite : `dists/${s.suite}`;
    const entries: ReleaseEntry[] = [];
    // Indexes are compressed concurrently (xz runs as child processes); results keep their order.
    const pending: Array<Promise<{ files: GeneratedFile[]; entries: ReleaseEntry[] }>> = [];
    const add = async (relDir: string, base: string, text: string) => {
      pending.push(indexSet(root ? (relDir ? `${root}/${relDir}` : root) : relDir, relDir, base, text, o.signal));
    };
    const pk = o.packages.filter((p) => p.suite === s.suite);
    const ud = o.udebs.filter((p) => p.suite === s.suite);
    const sr = o.sources.filter((p) => p.suite === s.suite).sort(byKey);
    if (o.flat) {
      await add('', 'Packages', join(pk.sort(byKey).map(o.stanza)));
      if (o.sources.length || sr.length) await add('', 'Sources', join(sr.map(o.stanza)));
    } else {
      for (const c of o.components) {
        for (const a of o.architectures) {
          const inArch = (p: DebPackage) => p.component === c && (p.arch === a || p.arch === 'all');
          await add(`${c}/binary-${a}`, 'Packages', join(pk.filter(inArch).sort(byKey).map(o.stanza)));
          if (o.udebs.length) await add(`${c}/debian-installer/binary-${a}`, 'Packages', join(ud.filter(inArch).sort(byKey).map(o.stanza)));
        }
        if (o.sources.length) await add(`${c}/source`, 'Sources', join(sr.filter((x) => x.component === c).map(o.stanza)));
      }
    }
    for (const r of await Promise.all(pending)) {
      out.push(...r.files);
      entries.push(...r.entries);
    }
    const up = s.release.fields;
    // Date is upstream's (never later than the publish time), so that a rollback never serves an
    // older Date than the snapshot it replaces: apt keeps a Release it holds whenever the new one
    // is dated earlier (replay protection), and the rollback would stay invisible to it.
    // Valid-Until counts from the publish time, so an old upstream never publishes an expired Release.
    const upstreamDate = s.release.date;
    const date = upstreamDate && upstreamDate.getTime() < o.date.getTime() ? upstreamDate : o.date;
    const validUntil = validUntilOf(o.date, o.validUntilDays);
    const text = buildRelease({
      header: [
        ['Origin', up.get('origin') ?? o.resource],
        ['Label', up.get('label') ?? o.resource],
        ['Suite', o.flat ? undefined : (up.get('suite') ?? s.suite)],
        ['Codename', o.flat ? undefined : (up.get('codename') ?? s.suite)],
        ['Version', up.get('version')],
        ['Date', formatReleaseDate(date)],
        ['Valid-Until', validUntil ? formatReleaseDate(validUntil) : undefined],
        ['Acquire-By-Hash', 'yes'],
        ['Architectures', o.flat ? undefined : o.architectures.join(' ')],
        ['Components', o.flat ? undefined : o.components.join(' ')],
        ['Description', `Ferry mirror ${o.resource} of ${o.url}`],
      ],
      entries,
    });
    const signed = await signRelease(text, o.key, date);
    const at = (name: string) => (root ? `${root}/${name}` : name);
    out.push({ path: at('Release'), content: Buffer.from(text, 'utf8') }, { path: at('InRelease'), content: signed.inRelease }, { path: at('Release.gpg'), content: signed.releaseGpg });
  }
  return out;
}

function validUntilOf(date: Date, days: number): Date | undefined {
  return days > 0 ? new Date(date.getTime() + days * 86_400_000) : undefined;
}

export interface ResignInput {
  /** The generated files of the published entry. */
  files: ReadonlyArray<{ path: string; sha256: string; size: number }>;
  read(sha256: string): Promise<string>;
  key: SigningKey;
  date: Date;
  validUntilDays: number;
}

const RELEASE_FILES = /(^|\/)(Release|InRelease|Release\.gpg)$/;

/**
 * A published dists/ tree renewed without reading any index: each Release gets the new Date and
 * Valid-Until and is signed again (InRelease, Release.gpg), the public key files are the signing
 * key's; every other file (indexes, by-hash copies) is kept as it is (`stored`).
 */
export async function resignDists(o: ResignInput): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [
    { path: PUBLIC_KEY_ASC, content: Buffer.from(o.key.publicArmored, 'utf8') },
    { path: PUBLIC_KEY_GPG, content: o.key.publicBinary },
  ];
  const byHash = (p: string) => p.includes('/by-hash/') || p.startsWith('by-hash/');
  for (const f of o.files) {
    if (f.path === PUBLIC_KEY_ASC || f.path === PUBLIC_KEY_GPG) continue;
    if (byHash(f.path) || !RELEASE_FILES.test(f.path)) {
      out.push({ path: f.path, content: new Uint8Array(0), stored: { sha256: f.sha256, size: f.size } });
      continue;
    }
    if (!f.path.endsWith('Release') || f.path.endsWith('InRelease')) continue;
    const root = f.path.slice(0, -'Release'.length);
    const text = redateRelease(await o.read(f.sha256), o.date, validUntilOf(o.date, o.validUntilDays));
    const signed = await signRelease(text, o.key, o.date);
    out.push({ path: f.path, content: Buffer.from(text, 'utf8') }, { path: `${root}InRelease`, content: signed.inRelease }, { path: `${root}Release.gpg`, content: signed.releaseGpg });
  }
  return out;
}
