/**
 * A mirror's catalog: every binary package (and udeb and source package when asked) that its
 * upstream lists for the spec's suites, components and architectures, parsed as a stream from
 * the verified index blobs. Filter queries are evaluated while parsing, with the whole stanza
 * at hand, so no field has to be kept afterwards.
 */
import { FerryError } from '../../core/ferry-error.js';
import { redactUrl } from '../../core/redact.js';
import type { DriverContext } from '../types.js';
import { compressionOf, type Compression } from '../../compression/compression.js';
import { decompressionLimits } from '../../compression/bounded.js';
import { readIndex } from './index-reader.js';
import { parsePackageStanza, type DebPackage, type PackageType } from './format/package.js';
import { parseStanzaFields, type StanzaField } from './format/control.js';
import { matchQuery, type Query } from './format/query.js';
import { toSource, type DebSource } from './format/sources.js';
import type { DebSpec } from './spec.js';
import { checkSuite, chooseIndex, fetchIndex, type FetchedSuite, type SuiteCheck, type UpstreamState } from './upstream.js';
import { armorBinaryKey } from '../../pgp/signing.js';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { resolveKeyIds } from './trusted-keys.js';

export interface IndexRef {
  key: string;
  /** sha256 of the (compressed) blob. */
  blob: string;
  compression: Compression;
}

export interface Catalog {
  mirror: string;
  suites: FetchedSuite[];
  packages: DebPackage[];
  udebs: DebPackage[];
  sources: DebSource[];
  indexes: Map<string, IndexRef>;
  /** Packages (and udebs) the filter matched, when a filter was given. */
  matched: Set<DebPackage>;
  upstream: UpstreamState;
  unchanged: boolean;
  requests: number;
}

export interface LoadOptions {
  mirror: string;
  spec: DebSpec;
  previous?: UpstreamState;
  offline: boolean;
  /** Evaluate this query on every stanza (the mirror's own filter). */
  filter?: Query;
}

interface IndexJob {
  suite: FetchedSuite;
  component: string;
  plain: string;
  type: PackageType | 'source';
  optional: boolean;
}

function jobsFor(suite: FetchedSuite, spec: DebSpec): IndexJob[] {
  const jobs: IndexJob[] = [];
  if (spec.flat) {
    jobs.push({ suite, component: '', plain: 'Packages', type: 'deb', optional: false });
    if (spec.withSources) jobs.push({ suite, component: '', plain: 'Sources', type: 'source', optional: false });
    return jobs;
  }
  for (const c of spec.components) {
    for (const a of [...spec.architectures, 'all']) {
      jobs.push({ suite, component: c, plain: `${c}/binary-${a}/Packages`, type: 'deb', optional: a === 'all' });
      if (spec.withUdebs) jobs.push({ suite, component: c, plain: `${c}/debian-installer/binary-${a}/Packages`, type: 'udeb', optional: a === 'all' });
    }
    if (spec.withSources) jobs.push({ suite, component: c, plain: `${c}/source/Sources`, type: 'source', optional: false });
  }
  return jobs;
}

/** The Release of every suite of a mirror, as upstream has it now. */
export interface ReleaseSet {
  checks: SuiteCheck[];
  upstream: UpstreamState;
  /** Every suite's Release is the one the previous state recorded. */
  unchanged: boolean;
  /** Requests sent (Release files and key_urls). */
  requests: number;
}

/**
 * Asks upstream for each suite's Release (conditionally; not at all when `offline` and the
 * previous state has it), verifying new ones. key_urls are fetched only when a Release has to
 * be verified.
 */
export async function checkReleases(ctx: DriverContext, o: Pick<LoadOptions, 'mirror' | 'spec' | 'previous' | 'offline'>): Promise<ReleaseSet> {
  const { spec, mirror } = o;
  const site = ctx.desired.site;
  const trust = trustDigest(spec, site);
  const samePrevious = o.previous?.url === spec.url ? o.previous : undefined;
  // The trusted keys changed since upstream was last verified: verify again (no 304 shortcut).
  const verifyAgain = samePrevious !== undefined && samePrevious.trust !== trust;
  const recorded = pickKeys(samePrevious?.keys, spec.keyIds);
  const set: ReleaseSet = { checks: [], upstream: { url: spec.url, suites: {}, trust, ...(spec.keyIds.length ? { keys: recorded } : {}) }, unchanged: true, requests: 0 };
  const keyIdSources = { mirror, fingerprints: spec.keyIds, keyservers: spec.keyservers.length ? spec.keyservers : strings(site.keyservers), keyring: strings(site.keyring), recorded };
  const byId = async (fresh: boolean) => {
    if (!spec.keyIds.length) return [];
    const got = await resolveKeyIds(ctx, keyIdSources, { fresh });
    set.requests += got.requests;
    set.upstream.keys = got.keys;
    return Object.values(got.keys);
  };
  let keyList: Promise<string[]> | undefined;
  const keys = () =>
    (keyList ??= (async () => {
      const out = [...spec.keys];
      for (const keyUrl of spec.keyUrls) {
        const got = await ctx.fetcher.get(keyUrl, { signal: ctx.signal, maxBytes: 1 << 20 });
        set.requests++;
        const text = got.body.toString('utf8');
        out.push(text.includes('-----BEGIN PGP') ? text : await armorBinaryKey(got.body, redactUrl(keyUrl), mirror));
      }
      out.push(...(await byId(false)));
      return out;
    })());
  // Keys recorded by an earlier snapshot may be outdated (an expiry extended upstream): fetch them again once.
  const usedRecorded = spec.keyIds.some((f) => recorded[f] !== undefined);
  let freshList: Promise<string[] | undefined> | undefined;
  const freshKeys = usedRecorded && keyIdSources.keyservers.length ? () => (freshList ??= keys().then(async (k) => [...k.slice(0, k.length - spec.keyIds.length), ...(await byId(true))])) : undefined;
  for (const suite of spec.suites) {
    const check = await checkSuite(ctx, { url: spec.url, suite, flat: spec.flat, keys, freshKeys, verifyAgain, resource: mirror, previous: samePrevious?.suites[suite], offline: o.offline && !verifyAgain });
    set.checks.push(check);
    set.upstream.suites[suite] = check.state;
    set.unchanged &&= check.unchanged;
    set.requests += check.requests;
  }
  return set;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function pickKeys(keys: Record<string, string> | undefined, fingerprints: string[]): Record<string, string> {
  return Object.fromEntries(fingerprints.filter((f) => keys?.[f] !== undefined).map((f) => [f, keys![f]]));
}

/**
 * What the trust in upstream's signature rests on: the spec's keys, key_urls and key_ids, and for
 * key_ids the site's keyring entries and keyservers. Recorded with the upstream state; a change
 * verifies upstream again (issue 14: keys are part of what is verified).
 */
export function trustDigest(spec: DebSpec, site: Record<string, unknown>): string {
  const byId = spec.keyIds.length ? { keyring: strings(site.keyring), keyservers: spec.keyservers.length ? spec.keyservers : strings(site.keyservers) } : {};
  return sha256Hex(canonicalJson({ keys: spec.keys, keyUrls: spec.keyUrls, keyIds: spec.keyIds, ...byId })).slice(0, 32);
}

/** Fetches (as needed) and parses everything the spec covers; `releases` when already checked. */
export async function loadCatalog(ctx: DriverContext, o: LoadOptions & { releases?: ReleaseSet }): Promise<Catalog> {
  const { spec, mirror } = o;
  const releases = o.releases ?? (await checkReleases(ctx, o));
  const cat: Catalog = {
    mirror,
    suites: [],
    packages: [],
    udebs: [],
    sources: [],
    indexes: new Map(),
    matched: new Set(),
    upstream: releases.upstream,
    unchanged: releases.unchanged,
    requests: releases.requests,
  };
  for (const check of releases.checks) {
    const fetched = await check.fetched();
    cat.suites.push(fetched);
    if (!spec.flat) {
      const listed = fetched.release.components.map((c) => c.split('/').pop());
      for (const c of spec.components) {
        if (fetched.release.components.length && !fetched.release.components.includes(c) && !listed.includes(c)) {
          throw new FerryError('FERRY_BAD_INDEX', `${mirror}: ${redactUrl(fetched.base)}/Release: component ${c} is not in Components (${fetched.release.components.join(' ')})`, { resource: mirror, url: redactUrl(`${fetched.base}/Release`), field: 'Components', expected: c, actual: fetched.release.components });
        }
      }
    }
  }
  const seen = new Set<string>();
  for (const job of cat.suites.flatMap((s) => jobsFor(s, spec))) {
    const choice = chooseIndex(job.suite.release, job.plain);
    if (!choice) {
      if (job.optional) continue;
      throw new FerryError('FERRY_BAD_INDEX', `${mirror}: ${redactUrl(job.suite.base)}/Release lists no ${job.plain} (plain, .gz or .xz) with a SHA256`, { resource: mirror, url: redactUrl(`${job.suite.base}/Release`), field: 'SHA256', expected: job.plain });
    }
    const { sha256, requests } = await fetchIndex(ctx, job.suite, choice, mirror);
    cat.requests += requests;
    const key = `${job.suite.suite}|${job.plain}`;
    const ref: IndexRef = { key, blob: sha256, compression: compressionOf(choice.path) };
    cat.indexes.set(key, ref);
    const url = redactUrl(`${job.suite.base}/${choice.path}`);
    const origin = { mirror, suite: job.suite.suite, component: job.component, index: key };
    const binOrigin = { ...origin, type: job.type === 'udeb' ? ('udeb' as const) : ('deb' as const) };
    await readIndex({
      path: ctx.blobs.pathOf(sha256),
      compression: ref.compression,
      url,
      resource: mirror,
      plainSha256: choice.plainSha256,
      plainSize: choice.plainSize,
      limits: decompressionLimits(ctx.desired.site),
      signal: ctx.signal,
      onStanza: (text, ordinal, line) => {
        if (job.type === 'source') {
          cat.sources.push(toSource(parseStanzaFields(text, line), { ...origin, ordinal }));
          return;
        }
        const fields: StanzaField[] | undefined = o.filter ? [] : undefined;
        const p = parsePackageStanza(text, line, binOrigin, ordinal, fields);
        if (p.arch === 'all') {
          // Architecture: all packages are listed in every binary-<arch> index.
          const id = `${p.type}|${p.suite}|${p.name}|${p.version}`;
          if (seen.has(id)) return;
          seen.add(id);
        }
        (job.type === 'udeb' ? cat.udebs : cat.packages).push(p);
        if (o.filter && fields) {
          const get = (name: string) => {
            const low = name.toLowerCase();
            return fields.find((f) => f.name.toLowerCase() === low)?.value;
          };
          if (matchQuery(o.filter, { name: p.name, version: p.version, arch: p.arch, source: p.source, sourceVersion: p.sourceVersion, type: p.type, field: get })) cat.matched.add(p);
        }
      },
    });
  }
  return cat;
}
