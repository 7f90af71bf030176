/**
 * The deb-publication driver: resolves and generates each member deb mirror as its own driver
 * does (same inputs, same bytes: the indexes come from the blob store, nothing is fetched
 * twice), composes them (compose.ts), signs each distribution's Release with the site key, and
 * serves the result again under `prefix` (Serving.mirrors). The members' spec hashes are kept,
 * so a change to a member resolves the publication again.
 */
import { readFile } from 'node:fs/promises';
import { FerryError } from '../../../core/ferry-error.js';
import { resourceId, type Resource } from '../../../core/resource.js';
import { signRelease } from '../../../pgp/signing.js';
import { siteSigningKey } from '../../../pgp/site-key.js';
import { debKind } from '../kind.js';
import { PUBLIC_KEY_ASC, PUBLIC_KEY_GPG } from '../publish.js';
import { renewAt, signingChanged, signingIdentity, siteOf, type SigningState } from '../signing-state.js';
import type { DebSpec } from '../spec.js';
import type { Driver, DriverContext, GeneratedFile, Resolution } from '../../types.js';
import { composePublication, type ComposedMember, type Composed } from './compose.js';
import type { DebPublicationSpec } from './spec.js';

export interface PublicationUpstream extends SigningState {
  /** Each member's spec hash when it was composed. */
  members: Record<string, string>;
}

interface Scratch {
  composed: Composed;
  date: Date;
}

function memberOf(ctx: DriverContext, id: string, name: string): { resource: Resource; spec: DebSpec } {
  const resource = ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === name);
  if (!resource) throw new FerryError('FERRY_INVALID_MODEL', `${id}: member ${name} is not a deb mirror of this site`, { resource: id, field: 'distributions' });
  return { resource, spec: debKind.parseSpec(resource.spec, { resource: resourceId(resource), site: ctx.desired.site }) };
}

const memberHashes = (ctx: DriverContext, spec: DebPublicationSpec): Record<string, string> =>
  Object.fromEntries(spec.distributions.flatMap((d) => d.members.map((m) => [m.mirror, ctx.desired.resources.find((r) => r.kind === 'deb' && r.name === m.mirror)?.hash ?? ''])).sort(([a], [b]) => (a < b ? -1 : 1)));

export const debPublicationDriver: Driver<DebPublicationSpec, Scratch, PublicationUpstream> = {
  kind: 'deb-publication',
  generatesFromIndexes: true,

  async resolve(resource, spec, ctx): Promise<Resolution<Scratch, PublicationUpstream>> {
    const id = resourceId(resource);
    const deb = await debKind.driver();
    const members: ComposedMember[] = [];
    const done = new Map<string, { generated: ComposedMember['generated']; files: ComposedMember['files']; spec: DebSpec }>();
    for (const d of spec.distributions) {
      for (const m of d.members) {
        let got = done.get(m.mirror);
        if (!got) {
          const { resource: member, spec: memberSpec } = memberOf(ctx, id, m.mirror);
          const memberCtx = { ...ctx, previous: undefined } as DriverContext;
          const resolution = await deb.resolve(member, memberSpec, memberCtx);
          const generated = await deb.generate(member, memberSpec, resolution, memberCtx);
          const inMemory = await Promise.all(generated.files.map(async (f) => ({ path: f.path, content: f.stored ? await readFile(ctx.blobs.pathOf(f.stored.sha256)) : f.content })));
          got = { generated: inMemory, files: resolution.files, spec: memberSpec };
          done.set(m.mirror, got);
        }
        members.push({ mirror: m.mirror, distribution: d.name, component: m.component, suite: got.spec.suites[0], components: got.spec.components, generated: got.generated, files: got.files });
      }
    }
    const date = new Date();
    const composed = await composePublication({ resource: id, prefix: spec.prefix, members, date, validUntilDays: siteOf(ctx).valid_until_days, signal: ctx.signal });
    const prev = (ctx.previous?.upstream ?? { members: {} });
    const { signing, signingFile } = await signingIdentity(ctx, prev);
    ctx.logger.info('deb-publication: composed', { resource: id, prefix: spec.prefix, distributions: spec.distributions.length, members: done.size, files: composed.files.length });
    return {
      files: composed.files,
      serving: { mirrors: [spec.prefix] },
      upstream: { members: memberHashes(ctx, spec), signing, signingFile, signedAt: date.toISOString() },
      scratch: { composed, date },
    };
  },

  /** At once when a member's spec, the site signing key or the Valid-Until policy changed; else halfway through Valid-Until. */
  async revisitAt(_resource, spec, ctx): Promise<number | undefined> {
    const prev = ctx.previous?.upstream;
    if (!prev) return undefined;
    if (JSON.stringify(prev.members ?? {}) !== JSON.stringify(memberHashes(ctx, spec))) return 0;
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
