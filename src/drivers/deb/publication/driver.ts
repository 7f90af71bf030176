/**
 * The deb-publication driver: resolves and generates each member deb mirror as its own driver
 * does (same inputs, same bytes: the indexes come from the blob store, nothing is fetched
 * twice), composes them (compose.ts), signs each distribution's Release with the site key, and
 * serves the result again under `prefix` (Serving.mirrors). The members' spec hashes and the
 * digests of their indexes are kept, so a change to a member resolves the publication again.
 *
 * A member's resolution is the one this run made of it (DriverContext.resolutionOf), or, when
 * the run leaves it as published, its published entry read from the store (no request); when its
 * upstream has not moved its published indexes are taken from the store (not generated, not
 * compressed again).
 * When no member moved, the key and the Valid-Until policy are the same and no renewal is due,
 * the publication is `unchanged`: nothing is composed or signed, no new snapshot is made.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../../../core/hash.js';
import { FerryError } from '../../../core/ferry-error.js';
import { resourceId, type Resource } from '../../../core/resource.js';
import { signRelease } from '../../../pgp/signing.js';
import { siteSigningKey } from '../../../pgp/site-key.js';
import { debKind } from '../kind.js';
import { PUBLIC_KEY_ASC, PUBLIC_KEY_GPG } from '../publish.js';
import { renewAt, signingChanged, signingIdentity, siteOf, type SigningState } from '../signing-state.js';
import type { DebSpec } from '../spec.js';
import type { Driver, DriverContext, GeneratedFile, PreviousResource, Resolution, WantedFile } from '../../types.js';
import { composePublication, type ComposedMember, type Composed } from './compose.js';
import type { DebPublicationSpec } from './spec.js';

export interface PublicationUpstream extends SigningState {
  /** Each member's spec hash when it was composed. */
  members: Record<string, string>;
  /** Each member's indexes when it was composed (indexDigest). */
  memberIndexes?: Record<string, string>;
}

interface Scratch {
  composed: Composed;
  date: Date;
}

/** A member as resolved for composing: its indexes (read lazily), pool files and spec. */
interface Member {
  spec: DebSpec;
  files: WantedFile[];
  /** The digest of its indexes (indexDigest). */
  indexes: string;
  generated(): Promise<ComposedMember['generated']>;
}

function memberOf(ctx: DriverContext, id: string, name: string): { resource: Resource; spec: DebSpec } {
  const resource = ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === name);
  if (!resource) throw new FerryError('FERRY_INVALID_MODEL', `${id}: member ${name} is not a deb mirror of this site`, { resource: id, field: 'distributions' });
  return { resource, spec: debKind.parseSpec(resource.spec, { resource: resourceId(resource), site: ctx.desired.site }) };
}

const memberHashes = (ctx: DriverContext, spec: DebPublicationSpec): Record<string, string> =>
  Object.fromEntries(spec.distributions.flatMap((d) => d.members.map((m) => [m.mirror, ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === m.mirror)?.hash ?? ''])).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * What a composition reads of a member: its generated indexes other than the Release files
 * (whose signature dates move on every re-signing) and the by-hash copies, by path and digest.
 */
export function indexDigest(files: ReadonlyArray<{ path: string; sha256: string }>): string {
  const read = files.filter((f) => !/(^|\/)(Release|InRelease|Release\.gpg)$/.test(f.path) && !f.path.includes('/by-hash/')).map((f) => [f.path, f.sha256]);
  return createHash('sha256').update(canonicalJson(read.sort(([a], [b]) => (a < b ? -1 : 1)))).digest('hex');
}

/** The member's indexes as its published entry holds them, if it stands as published. */
function publishedIndexes(ctx: DriverContext, published: PreviousResource | undefined): Member['generated'] | undefined {
  if (!published) return undefined;
  const generated = published.files.filter((f) => f.generated);
  return () => Promise.all(generated.map(async (f) => ({ path: f.path, content: await readFile(ctx.blobs.pathOf(f.sha256)) })));
}

/**
 * One member deb mirror, resolved (and, when it moved, generated) as its own resolve does: its
 * resolution in this run when there is one (DriverContext.resolutionOf: nothing is asked twice);
 * else, when the run leaves it as published, read from the store (no request, as /deb/<name>/
 * serves it); else (no reconcile around) resolved here.
 */
async function resolveMember(ctx: DriverContext, id: string, name: string): Promise<Member> {
  const deb = await debKind.driver();
  const { resource, spec } = memberOf(ctx, id, name);
  const published = ctx.publishedOf?.('deb', name);
  const reuse = published?.hash === resource.hash ? published : undefined;
  const thisRun = ctx.resolutionOf ? await ctx.resolutionOf('deb', name) : undefined;
  const resolution = thisRun ?? (await deb.resolve(resource, spec, { ...ctx, previous: reuse, ...(ctx.resolutionOf ? { refresh: false } : {}) }));
  const fromStore = resolution.unchanged ? publishedIndexes(ctx, reuse) : undefined;
  if (fromStore) return { spec, files: resolution.files, indexes: indexDigest(reuse!.files.filter((f) => f.generated)), generated: fromStore };
  const generated = await deb.generate(resource, spec, resolution, { ...ctx, previous: undefined });
  const inMemory = await Promise.all(generated.files.map(async (f) => ({ path: f.path, content: f.stored ? await readFile(ctx.blobs.pathOf(f.stored.sha256)) : f.content })));
  const digests = inMemory.map((f) => ({ path: f.path, sha256: createHash('sha256').update(f.content).digest('hex') }));
  return { spec, files: resolution.files, indexes: indexDigest(digests), generated: async () => inMemory };
}

/** The published entry's pool files, as wanted files again. */
const previousWanted = (previous: PreviousResource): WantedFile[] => previous.files.filter((f) => !f.generated).map((f) => ({ path: f.path, url: f.url ?? '', sha256: f.sha256, size: f.size }));

export const debPublicationDriver: Driver<DebPublicationSpec, Scratch, PublicationUpstream> = {
  kind: 'deb-publication',
  generatesFromIndexes: true,

  async resolve(resource, spec, ctx): Promise<Resolution<Scratch, PublicationUpstream>> {
    const id = resourceId(resource);
    const resolved = new Map<string, Member>();
    for (const d of spec.distributions) for (const m of d.members) if (!resolved.has(m.mirror)) resolved.set(m.mirror, await resolveMember(ctx, id, m.mirror));
    const memberIndexes = Object.fromEntries([...resolved].map(([name, m]) => [name, m.indexes]).sort(([a], [b]) => (a < b ? -1 : 1)));
    const members = memberHashes(ctx, spec);
    const prev = ctx.previous?.upstream ?? { members: {} };
    const { signing, signingFile } = await signingIdentity(ctx, prev);
    const date = new Date();
    const renew = (renewAt(prev, siteOf(ctx).valid_until_days) ?? Infinity) <= date.getTime();
    const same = ctx.previous?.hash === resource.hash && canonicalJson({ members, memberIndexes }) === canonicalJson({ members: prev.members, memberIndexes: prev.memberIndexes ?? null });
    if (ctx.previous && same && prev.signing === signing && !renew) {
      ctx.logger.info('deb-publication: members unchanged', { resource: id, prefix: spec.prefix, members: resolved.size });
      return { files: previousWanted(ctx.previous), serving: { mirrors: [spec.prefix] }, upstream: { ...prev, signingFile }, unchanged: true };
    }
    const composedMembers: ComposedMember[] = [];
    for (const d of spec.distributions) {
      for (const m of d.members) {
        const got = resolved.get(m.mirror)!;
        composedMembers.push({ mirror: m.mirror, distribution: d.name, component: m.component, suite: got.spec.suites[0], components: got.spec.components, generated: await got.generated(), files: got.files });
      }
    }
    const composed = await composePublication({ resource: id, prefix: spec.prefix, members: composedMembers, date, validUntilDays: siteOf(ctx).valid_until_days, signal: ctx.signal });
    ctx.logger.info('deb-publication: composed', { resource: id, prefix: spec.prefix, distributions: spec.distributions.length, members: resolved.size, files: composed.files.length });
    return {
      files: composed.files,
      serving: { mirrors: [spec.prefix] },
      upstream: { members, memberIndexes, signing, signingFile, signedAt: date.toISOString() },
      scratch: { composed, date },
    };
  },

  /** At once when a member's spec, the site signing key or the Valid-Until policy changed; else halfway through Valid-Until. */
  async revisitAt(_resource, spec, ctx): Promise<number | undefined> {
    const prev = ctx.previous?.upstream;
    if (!prev) return undefined;
    if (JSON.stringify(prev.members ?? {}) !== JSON.stringify(memberHashes(ctx, spec))) return 0;
    // A member refreshed on its own (its published indexes are not those composed): compose again.
    for (const [name, digest] of Object.entries(prev.memberIndexes ?? {})) {
      const published = ctx.publishedOf?.('deb', name);
      if (published && indexDigest(published.files.filter((f) => f.generated)) !== digest) return 0;
    }
    if (await signingChanged(ctx, prev)) return 0;
    return renewAt(prev, siteOf(ctx).valid_until_days);
  },

  async generate(resource, spec, resolution, ctx) {
    const scratch = resolution.scratch ?? (await debPublicationDriver.resolve(resource, spec, ctx)).scratch!;
    const site = siteOf(ctx);
    const key = await siteSigningKey({ stateDir: ctx.stateDir, keyFile: site.signing?.key_file, siteName: site.name });
    const out: GeneratedFile[] = [
      { path: PUBLIC_KEY_ASC, content: Buffer.from(key.publicArmored, 'utf8') },
      { path: PUBLIC_KEY_GPG, content: key.publicBinary },
      ...scratch.composed.generated,
    ];
    for (const r of scratch.composed.releases) {
      const signed = await signRelease(r.text, key, r.date);
      const dir = r.path.slice(0, -'Release'.length);
      out.push({ path: `${dir}InRelease`, content: signed.inRelease }, { path: `${dir}Release.gpg`, content: signed.releaseGpg });
    }
    return { files: out };
  },
};
