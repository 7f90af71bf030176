/**
 * One Debian repository composed of several deb mirrors, as aptly publishes them under one
 * prefix (aptly-publisher `distributions: [ubuntu/xenial]`, `component: main`): for each
 * distribution, each member mirror's indexes under the component it is published as
 * (dists/<dist>/<component>/... taken from the member's dists/<suite>/<its components>/...;
 * several upstream components of one member are concatenated into one), a Release over them
 * (signed by the caller), and pool/ the union of the members' files. Two different files at one
 * pool path are an error naming both mirrors (aptly refuses such a publish too). Indexes are
 * taken byte for byte when a member has one component; Filename fields keep pointing into the
 * shared pool (wiki.debian.org/DebianRepository/Format). No I/O besides compression.
 */
import { createHash } from 'node:crypto';
import { FerryError } from '../../../core/ferry-error.js';
import { gzipBytes, xzBytes } from '../../../compression/compression.js';
import { buildRelease, formatReleaseDate, parseRelease, type ReleaseEntry } from '../format/release.js';
import type { GeneratedFile, WantedFile } from '../../types.js';

/** A deb mirror published in one distribution of the publication, with what its driver made. */
export interface ComposedMember {
  mirror: string;
  distribution: string;
  /** The component it is published as. */
  component: string;
  /** The member's own suite (dists/<suite>/ of its generated files) and components. */
  suite: string;
  components: readonly string[];
  /** Its generated files, contents in memory. */
  generated: ReadonlyArray<{ path: string; content: Uint8Array }>;
  /** Its pool files. */
  files: readonly WantedFile[];
}

export interface ComposeInput {
  /** `deb-publication/<name>`, for messages. */
  resource: string;
  /** Where it is served (the aptly prefix), for Origin, Label and Description. */
  prefix: string;
  members: readonly ComposedMember[];
  date: Date;
  /** 0 = no Valid-Until. */
  validUntilDays: number;
  signal?: AbortSignal;
}

export interface Composed {
  files: WantedFile[];
  generated: GeneratedFile[];
  /** Each distribution's Release (at `<path>`), for the caller to sign as InRelease and Release.gpg next to it. */
  releases: Array<{ path: string; text: string; date: Date }>;
}

const hex = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest('hex');
const COMPRESSED = /\.(gz|xz)$/;
const RELEASE_FILES = new Set(['Release', 'InRelease', 'Release.gpg']);

/** The pool union: each path once; one path with two digests is an error naming both mirrors. */
export function poolUnion(resource: string, members: readonly ComposedMember[]): WantedFile[] {
  const at = new Map<string, { file: WantedFile; mirror: string }>();
  for (const m of members) {
    for (const f of m.files) {
      const had = at.get(f.path);
      if (!had) at.set(f.path, { file: f, mirror: m.mirror });
      else if (had.file.sha256 !== f.sha256) {
        throw new FerryError('FERRY_INVALID_MODEL', `${resource}: ${f.path} is a different file in mirror ${had.mirror} (sha256 ${had.file.sha256}) and in mirror ${m.mirror} (sha256 ${f.sha256}): one pool cannot hold both; publish them under different prefixes`, {
          resource,
          path: f.path,
          mirrors: [had.mirror, m.mirror],
          expected: had.file.sha256,
          actual: f.sha256,
        });
      }
    }
  }
  return [...at.values()].map((v) => v.file).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Index files of one member (no Release, no by-hash copies) as paths below dists/<dist>/<component>/. */
function memberIndexes(m: ComposedMember): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  const root = `dists/${m.suite}/`;
  for (const f of m.generated) {
    if (!f.path.startsWith(root)) continue;
    const rel = f.path.slice(root.length);
    const slash = rel.indexOf('/');
    if (slash < 0 || RELEASE_FILES.has(rel) || rel.includes('by-hash/')) continue;
    if (!m.components.includes(rel.slice(0, slash))) continue;
    const target = `${m.component}/${rel.slice(slash + 1)}`;
    out.set(target, [...(out.get(target) ?? []), f.content]);
  }
  return out;
}

/** Stanza files concatenated (each ends with a newline; a blank line between two). */
function concat(parts: readonly Uint8Array[]): Buffer {
  const texts = parts.map((p) => Buffer.from(p).toString('utf8')).filter((t) => t.length > 0);
  return Buffer.from(texts.join('\n'), 'utf8');
}

/** The composed repository: pool union, indexes by distribution and component, unsigned Releases. */
export async function composePublication(o: ComposeInput): Promise<Composed> {
  const files = poolUnion(o.resource, o.members);
  const generated: GeneratedFile[] = [];
  const releases: Composed['releases'] = [];
  const byDist = new Map<string, ComposedMember[]>();
  for (const m of o.members) byDist.set(m.distribution, [...(byDist.get(m.distribution) ?? []), m]);
  for (const [dist, members] of [...byDist].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const indexes = new Map<string, Uint8Array>();
    for (const m of members) {
      const own = memberIndexes(m);
      const merged = m.components.length > 1;
      for (const [target, parts] of own) {
        if (indexes.has(target)) {
          throw new FerryError('FERRY_INVALID_MODEL', `${o.resource}: dists/${dist}/${target} would come from two mirrors (${members.filter((x) => x.component === m.component).map((x) => x.mirror).join(', ')}): publish each under its own component`, { resource: o.resource, path: `dists/${dist}/${target}` });
        }
        // Several upstream components become one: the plain index is concatenated and compressed again.
        if (merged && COMPRESSED.test(target)) continue;
        indexes.set(target, merged ? concat(parts) : parts[0]);
      }
      if (merged) {
        for (const target of [...own.keys()].filter((t) => !COMPRESSED.test(t))) {
          const plain = indexes.get(target)!;
          indexes.set(`${target}.gz`, await gzipBytes(plain));
          indexes.set(`${target}.xz`, await xzBytes(plain, o.signal));
        }
      }
    }
    const root = `dists/${dist}`;
    const entries: ReleaseEntry[] = [];
    for (const [rel, content] of [...indexes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const e: ReleaseEntry = { path: rel, size: content.length, md5: hex('md5', content), sha1: hex('sha1', content), sha256: hex('sha256', content), sha512: hex('sha512', content) };
      entries.push(e);
      generated.push({ path: `${root}/${rel}`, content });
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      generated.push({ path: `${root}/${dir}by-hash/SHA256/${e.sha256}`, content }, { path: `${root}/${dir}by-hash/SHA512/${e.sha512}`, content });
    }
    const date = releaseDate(members, o.date);
    const validUntil = o.validUntilDays > 0 ? new Date(o.date.getTime() + o.validUntilDays * 86_400_000) : undefined;
    const archs = new Set<string>();
    for (const m of members) for (const a of memberRelease(m)?.architectures ?? []) archs.add(a);
    const text = buildRelease({
      header: [
        ['Origin', o.prefix],
        ['Label', o.prefix],
        ['Suite', dist],
        ['Codename', dist],
        ['Date', formatReleaseDate(date)],
        ['Valid-Until', validUntil ? formatReleaseDate(validUntil) : undefined],
        ['Acquire-By-Hash', 'yes'],
        ['Architectures', [...archs].sort().join(' ')],
        ['Components', [...new Set(members.map((m) => m.component))].join(' ')],
        ['Description', `Ferry publication ${o.resource} of ${members.map((m) => m.mirror).join(', ')}`],
      ],
      entries,
    });
    generated.push({ path: `${root}/Release`, content: Buffer.from(text, 'utf8') });
    releases.push({ path: `${root}/Release`, text, date });
  }
  const seen = new Set<string>();
  return { files, generated: generated.filter((g) => (seen.has(g.path) ? false : (seen.add(g.path), true))), releases };
}

function memberRelease(m: ComposedMember) {
  const f = m.generated.find((g) => g.path === `dists/${m.suite}/Release`);
  return f ? parseRelease(Buffer.from(f.content).toString('utf8')) : undefined;
}

/**
 * The latest of the members' Release dates (each is upstream's, never later than its publish),
 * capped at the publish time: a rollback then never serves an older Date than it replaces
 * unless upstream went back too (apt refuses a Release dated before the one it holds).
 */
function releaseDate(members: readonly ComposedMember[], now: Date): Date {
  let latest: number | undefined;
  for (const m of members) {
    const d = memberRelease(m)?.date?.getTime();
    if (d !== undefined && (latest === undefined || d > latest)) latest = d;
  }
  return new Date(Math.min(latest ?? now.getTime(), now.getTime()));
}
