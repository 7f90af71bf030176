/**
 * The contract every kind's driver must pass (issue 9; src/drivers/types.ts). A kind joins by
 * writing a ContractFixture (its upstream on 127.0.0.1, one valid and one invalid spec) and
 * adding one line to test/contract/kinds.contract.test.ts.
 *
 * - parseSpec is pure: the same spec gives the same result, and the spec is left as it was;
 * - a spec that fails parseSpec never reaches resolve (the reconcile's resolveAll, with a
 *   driver that records its calls);
 * - resolve and generate are deterministic (twice, the same files; the same resolution, the same
 *   bytes) and leave their inputs alone (generate returns what it wants persisted);
 * - paths are safe: every wanted and generated path is already what safeRelativePath returns,
 *   and no two files share one;
 * - generate without resolve's scratch gives the same files;
 * - `unchanged` round-trips: with what the manifest kept (upstream state through JSON), a
 *   refresh against the same upstream says `unchanged`, or gives the same files and state.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { canonicalJson, hashValue } from '../../src/core/hash.js';
import { silentLogger } from '../../src/core/logger.js';
import { resourceId, type DesiredState, type Resource } from '../../src/core/resource.js';
import { safeRelativePath } from '../../src/core/safe-path.js';
import type { Kind } from '../../src/drivers/kind.js';
import { registerKind } from '../../src/drivers/registry.js';
import type { Driver, DriverContext, GeneratedFile, Resolution } from '../../src/drivers/types.js';
import { resolveAll } from '../../src/reconcile/apply-sync.js';
import type { BlobStore, ManifestResource } from '../../src/store/types.js';
import type { Fetcher } from '../../src/transport/types.js';

export interface ContractSetup {
  /** A mirror of the kind whose upstream answers (its spec with the kind's defaults filled). */
  spec: Record<string, unknown>;
  /** A spec that passes the schema but not the kind's parseSpec. */
  invalid: Record<string, unknown>;
  /** Other mirrors of the site the resource builds on (a deb-publication's members): in ctx.desired too. */
  others?: Array<{ kind: string; name: string; spec: Record<string, unknown> }>;
  fetcher: Fetcher;
  blobs: BlobStore;
  stateDir: string;
  cleanup(): Promise<void>;
}

export interface ContractFixture {
  kind: Kind;
  /** Starts the upstream, makes the store. Tests of one fixture share it. */
  setup(): Promise<ContractSetup>;
}

interface Run {
  resolution: Resolution;
  files: GeneratedFile[];
  upstream: unknown;
}

const digestOf = (files: readonly GeneratedFile[]) => files.map((g) => [g.path, g.stored?.sha256 ?? hashValue(Buffer.from(g.content).toString('base64'))]).sort();
const wantedOf = (r: Resolution) => r.files.map((f) => [f.path, f.sha256, f.url]).sort();

export function driverContract(fixture: ContractFixture): void {
  const { kind } = fixture;
  describe(`driver contract: kind ${kind.kind}`, () => {
    let s: ContractSetup;
    let driver: Driver;
    let resource: Resource;
    let desired: DesiredState;
    const site = { name: 'contract', retention: 3 };
    const parse = (r: Resource) => kind.parseSpec(r.spec, { resource: resourceId(r), site });
    const ctx = (over: Partial<DriverContext> = {}): DriverContext => ({
      fetcher: s.fetcher,
      blobs: s.blobs,
      logger: silentLogger,
      signal: new AbortController().signal,
      refresh: true,
      desired,
      stateDir: s.stateDir,
      ...over,
    });

    /** resolve, download what it wants (as the sync step does), generate. */
    async function run(over: Partial<DriverContext> = {}): Promise<Run> {
      const spec = parse(resource);
      const resolution = await driver.resolve(resource, spec, ctx(over));
      for (const f of resolution.files) {
        if (await s.blobs.has(f.sha256)) continue;
        const dest = s.blobs.partialPath(f.sha256);
        await s.fetcher.download(f.url, dest, { sha256: f.sha256, size: f.size, signal: new AbortController().signal });
        await s.blobs.adopt(dest, f.sha256);
      }
      const before = canonicalJson({ files: resolution.files, upstream: resolution.upstream ?? null });
      const generated = await driver.generate(resource, spec, resolution, ctx({ previous: undefined }));
      expect(canonicalJson({ files: resolution.files, upstream: resolution.upstream ?? null })).toBe(before);
      return { resolution, files: generated.files, upstream: generated.upstream ?? resolution.upstream };
    }

    beforeAll(async () => {
      s = await fixture.setup();
      driver = await kind.driver();
      resource = { kind: kind.kind, name: 'contract', spec: s.spec, hash: hashValue({ kind: kind.kind, name: 'contract', spec: s.spec }) };
      const others = (s.others ?? []).map((o) => ({ ...o, hash: hashValue(o) }));
      desired = { site, resources: [resource, ...others], hash: hashValue([resource.hash, ...others.map((o) => o.hash)]) };
    }, 120_000);

    afterAll(async () => {
      await s?.cleanup();
    });

    it('parseSpec is pure: the same result twice, the spec left as it was', () => {
      const copy = structuredClone(s.spec);
      const a = parse(resource);
      const b = parse(resource);
      expect(canonicalJson(a)).toBe(canonicalJson(b));
      expect(s.spec).toEqual(copy);
    });

    it('a spec that fails parseSpec never reaches resolve', async () => {
      expect(() => kind.parseSpec(s.invalid, { resource: `${kind.kind}/bad`, site })).toThrow();
      const calls: string[] = [];
      const spy: Driver = {
        kind: `${kind.kind}-spy`,
        resolve: async (r) => {
          calls.push(`resolve ${r.name}`);
          return { files: [] };
        },
        generate: async (r) => {
          calls.push(`generate ${r.name}`);
          return { files: [] };
        },
      };
      const unregister = registerKind({ ...kind, kind: spy.kind, driver: async () => spy });
      try {
        const bad: Resource = { kind: spy.kind, name: 'bad', spec: s.invalid, hash: hashValue(s.invalid) };
        const state: DesiredState = { site, resources: [bad], hash: 'x' };
        await expect(resolveAll({ fetcher: s.fetcher, blobs: s.blobs, logger: silentLogger, signal: new AbortController().signal, refresh: true, stateDir: s.stateDir, desired: state, published: null })).rejects.toThrow();
        expect(calls).toEqual([]);
      } finally {
        unregister();
      }
    });

    it('resolve and generate are deterministic, and leave their inputs alone', async () => {
      const a = await run();
      const b = await run();
      expect(wantedOf(b.resolution)).toEqual(wantedOf(a.resolution));
      expect(b.files.map((g) => g.path).sort()).toEqual(a.files.map((g) => g.path).sort());
      // The same resolution (its publish time included) gives the same bytes.
      const again = await driver.generate(resource, parse(resource), a.resolution, ctx({ previous: undefined }));
      expect(digestOf(again.files)).toEqual(digestOf(a.files));
    }, 120_000);

    it('gives only safe paths, each once', async () => {
      const { resolution, files } = await run();
      const paths = [...resolution.files.map((f) => f.path), ...files.map((g) => g.path)];
      for (const p of paths) expect(safeRelativePath(p)).toBe(p);
      expect(new Set(paths).size).toBe(paths.length);
    }, 120_000);

    it('generates the same files without the scratch of resolve', async () => {
      const { resolution, files } = await run();
      const spec = parse(resource);
      const again = await driver.generate(resource, spec, { ...resolution, scratch: undefined }, ctx({ previous: undefined }));
      // Resolved again inside: the same files (a signed index's date may be the new resolve's).
      expect(again.files.map((g) => g.path).sort()).toEqual(files.map((g) => g.path).sort());
    }, 120_000);

    it('`unchanged` round-trips through the manifest: a refresh of the same upstream changes nothing', async () => {
      const first = await run();
      // What the store keeps: the generated files as blobs, the upstream state as JSON.
      const generated = [];
      for (const g of first.files) generated.push({ path: g.path, ...(g.stored ?? (await s.blobs.putBytes(g.content))), generated: true });
      const wanted = first.resolution.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size ?? 0, url: f.url }));
      const kept = JSON.parse(JSON.stringify(first.upstream ?? null)) as Record<string, unknown> | null;
      const previous: ManifestResource = { kind: kind.kind, name: resource.name, hash: resource.hash, root: `${kind.kind}/${resource.name}`, files: [...wanted, ...generated], ...(kept ? { upstream: kept } : {}) };
      const again = await driver.resolve(resource, parse(resource), ctx({ previous }));
      if (again.unchanged) return;
      expect(wantedOf(again)).toEqual(wantedOf(first.resolution));
      expect(canonicalJson(again.upstream ?? null)).toBe(canonicalJson(kept));
    }, 120_000);
  });
}
