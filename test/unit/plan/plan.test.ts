import { describe, expect, it } from '@jest/globals';
import { buildDesiredState } from '../../../src/desired/desired-state.js';
import { registeredKinds } from '../../../src/drivers/registry.js';
import { planFiles, planResources } from '../../../src/plan/plan.js';
import { formatPlan } from '../../../src/plan/format-plan.js';
import { sameContent } from '../../../src/plan/same-content.js';

const sha = (c: string) => c.repeat(64);
const desired = buildDesiredState({
  site: { name: 'lab' },
  mirrors: {
    keep: { kind: 'file', files: [{ url: 'http://h/k', sha256: sha('1') }] },
    change: { kind: 'file', files: [{ url: 'http://h/c2', sha256: sha('2') }] },
    add: { kind: 'file', files: [{ url: 'http://h/a', sha256: sha('3') }] },
  },
}, registeredKinds());
const hashOf = (name: string) => desired.resources.find((r) => r.name === name)!.hash;
const published = {
  id: 'snap-1',
  desiredHash: 'old',
  resources: [
    { kind: 'file', name: 'keep', hash: hashOf('keep'), files: [{ size: 1 }] },
    { kind: 'file', name: 'change', hash: 'different', files: [{ size: 1 }] },
    { kind: 'file', name: 'gone', hash: 'x', files: [{ size: 1 }, { size: 2 }] },
  ],
};

describe('planResources', () => {
  it('classifies each resource as add, change, keep or remove', () => {
    const plan = planResources(desired, published);
    expect(plan.resources.map((r) => [r.id, r.change])).toEqual([
      ['file/add', 'add'],
      ['file/change', 'change'],
      ['file/gone', 'remove'],
      ['file/keep', 'keep'],
    ]);
    expect(plan.summary).toMatchObject({ add: 1, change: 1, keep: 1, remove: 1 });
    expect(plan.upToDate).toBe(false);
  });

  it('is up to date when the published desired hash matches', () => {
    expect(planResources(desired, { ...published, desiredHash: desired.hash }).upToDate).toBe(true);
  });

  it('adds everything when nothing is published', () => {
    const plan = planResources(desired, null);
    expect(plan.summary).toMatchObject({ add: 3, keep: 0 });
    expect(formatPlan(plan)).toMatch(/published: nothing yet/);
  });
});

describe('planFiles', () => {
  it('counts only blobs the store lacks, each once', () => {
    const plan = planFiles(
      planResources(desired, published),
      {
        'file/add': [{ sha256: sha('3'), size: 100 }, { sha256: sha('4'), size: 50 }],
        'file/change': [{ sha256: sha('3'), size: 100 }, { sha256: sha('2') }],
        'file/keep': [{ sha256: sha('1'), size: 7 }],
      },
      new Set([sha('1'), sha('4')]),
    );
    expect(plan.summary).toMatchObject({ fetchFiles: 2, fetchBytes: 100, unknownSizes: 1 });
    expect(plan.resources.find((r) => r.id === 'file/change')).toMatchObject({ files: 2, fetchFiles: 1, fetchBytes: 0 });
    expect(formatPlan(plan)).toMatch(/fetch 2 files, 100 B \(\+1 of unknown size\)/);
  });
});

describe('planFiles path changes', () => {
  it('lists mirrored files added and removed, not generated indexes', () => {
    const pub = {
      ...published,
      resources: [
        { kind: 'file', name: 'change', hash: 'different', files: [{ size: 1, path: 'old.img' }, { size: 1, path: 'same.img' }, { size: 1, path: 'SHA256SUMS', generated: true }] },
        { kind: 'file', name: 'gone', hash: 'x', files: [{ size: 1, path: 'g1' }] },
      ],
    };
    const plan = planFiles(planResources(desired, pub), { 'file/change': [{ sha256: sha('2'), size: 1, path: 'same.img' }, { sha256: sha('5'), size: 1, path: 'new.img' }] }, new Set(), pub);
    const change = plan.resources.find((r) => r.id === 'file/change');
    expect(change).toMatchObject({ addedPaths: ['new.img'], removedPaths: ['old.img'] });
    expect(plan.resources.find((r) => r.id === 'file/gone')).toMatchObject({ change: 'remove', removedPaths: ['g1'] });
    expect(formatPlan(plan)).toMatch(/\+ new\.img[\s\S]*- old\.img/);
  });
});

describe('sameContent', () => {
  const r = (files: Array<[string, string]>, hash = 'h') => ({ kind: 'file', name: 'x', hash, files: files.map(([path, sha256]) => ({ path, sha256 })) });
  it('is true for the same files in any order', () => {
    expect(sameContent([r([['a', '1'], ['b', '2']])], [r([['b', '2'], ['a', '1']])])).toBe(true);
  });
  it('is false when a digest, a path, a spec hash or a resource differs', () => {
    const base = [r([['a', '1']])];
    expect(sameContent(base, [r([['a', '2']])])).toBe(false);
    expect(sameContent(base, [r([['b', '1']])])).toBe(false);
    expect(sameContent(base, [r([['a', '1']], 'other')])).toBe(false);
    expect(sameContent(base, [...base, { ...base[0], name: 'y' }])).toBe(false);
  });
});
