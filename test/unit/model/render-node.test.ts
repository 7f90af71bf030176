import { describe, it, expect } from '@jest/globals';
import { FerryErrors } from '../../../src/core/ferry-error.js';
import { listNodes, renderInventory, renderNode, toReclassNodeinfo } from '../../../src/model/index.js';

const files = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

const base = {
  'classes/system/debian/init.yml': 'classes:\n  - system.debian.keys\nparameters:\n  mirror:\n    url: http://deb.debian.org/debian\n    suites: [bookworm]\n    arch: amd64\n',
  'classes/system/debian/keys.yml': 'parameters:\n  mirror:\n    keys: [k1]\n',
  'classes/cluster/lab/init.yml': 'classes:\n  - system.debian\nparameters:\n  _param:\n    site: lab\n  mirror:\n    suites: [bookworm-updates]\n    ~arch: arm64\n    name: ${_param:site}-debian\n',
  'nodes/mirror01.yml': 'classes:\n  - cluster.lab\nparameters:\n  _param:\n    site: prod\n  mirror:\n    url: http://local/debian\n',
};

describe('renderNode', () => {
  it('loads classes depth first, merges, overrides and lets the node win', () => {
    const n = renderNode(files(base), 'mirror01');
    expect(n.classes).toEqual(['system.debian.keys', 'system.debian', 'cluster.lab']);
    expect(n.parameters.mirror).toEqual({
      url: 'http://local/debian',
      suites: ['bookworm', 'bookworm-updates'],
      arch: 'arm64',
      keys: ['k1'],
      name: 'prod-debian',
    });
    expect(n.environment).toBe('base');
    expect(n.parameters._reclass_).toEqual({ name: { full: 'mirror01', short: 'mirror01' }, environment: 'base' });
  });

  it('locates the value that won the merge', () => {
    const n = renderNode(files(base), 'mirror01');
    expect(n.locate(['mirror', 'url'])).toMatchObject({ file: 'nodes/mirror01.yml', line: 7 });
    expect(n.locate(['mirror', 'arch'])).toMatchObject({ file: 'classes/cluster/lab/init.yml', line: 8 });
    expect(n.locate(['mirror', 'keys', 0])).toMatchObject({ file: 'classes/system/debian/keys.yml', line: 3 });
    expect(n.locate(['mirror', 'name'])).toMatchObject({ file: 'classes/cluster/lab/init.yml', line: 9 });
    expect(n.locate(['mirror', 'nothing', 'here'])).toMatchObject({ file: 'nodes/mirror01.yml', line: 6 });
  });

  it('keeps the type of a whole-value reference and str()s one inside text', () => {
    const n = renderNode(
      files({ 'nodes/n.yml': 'parameters:\n  a: [1, 2]\n  b: ${a}\n  c: "x${a}"\n  d: "${t}-${f}-${z}"\n  t: yes\n  f: 1.5\n  z: null\n' }),
      'n',
    );
    expect(n.parameters.b).toEqual([1, 2]);
    expect(n.parameters.c).toBe('x[1, 2]');
    expect(n.parameters.d).toBe('True-1.5-None');
  });

  it('reports every problem at once, with file, line and class chain', () => {
    const bad = files({
      ...base,
      'classes/cluster/lab/init.yml': 'classes:\n  - system.debian\n  - system.missing\nparameters:\n  a: ${nope}\n',
      'nodes/mirror01.yml': 'classes:\n  - cluster.lab\n  - other.missing\n',
    });
    let caught: unknown;
    try {
      renderNode(bad, 'mirror01');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FerryErrors);
    const errs = (caught as FerryErrors).errors;
    expect(errs.map((e) => e.code)).toEqual(['FERRY_CLASS_NOT_FOUND', 'FERRY_CLASS_NOT_FOUND']);
    expect(errs[0].data).toMatchObject({ file: 'classes/cluster/lab/init.yml', line: 3, classChain: ['mirror01', 'cluster.lab'] });
    expect(errs[1].data).toMatchObject({ file: 'nodes/mirror01.yml', line: 3 });
  });

  it('reports missing references and cycles with their paths', () => {
    const f = files({ 'nodes/n.yml': 'parameters:\n  a: ${b}\n  b: ${a}\n  c: ${missing:x}\n  d: ok\n' });
    const errs = (() => {
      try {
        renderNode(f, 'n');
        return [];
      } catch (e) {
        return (e as FerryErrors).errors;
      }
    })();
    expect(errs.map((e) => e.code).sort()).toEqual(['FERRY_CIRCULAR_REFERENCE', 'FERRY_MISSING_REFERENCE']);
    const missing = errs.find((e) => e.code === 'FERRY_MISSING_REFERENCE');
    expect(missing?.data).toMatchObject({ file: 'nodes/n.yml', line: 4, path: 'parameters.c' });
  });

  it('reports a YAML syntax error with its line and column, without a dangling colon (issue 10)', () => {
    expect(() => renderNode(files({ 'nodes/n.yml': 'parameters:\n  a: [1, 2\n  b: 3\n' }), 'n')).toThrow(/nodes\/n\.yml:3:3: YAML syntax error: Flow sequence [^\n]*end with a \]$/);
  });

  it('lists nodes and renders the inventory once per node', () => {
    const f = files({ ...base, 'nodes/mirror02.yml': 'classes: [cluster.lab]\n' });
    expect(listNodes(f)).toEqual(['mirror01', 'mirror02']);
    const inv = renderInventory(f);
    expect(Object.keys(inv.nodes)).toEqual(['mirror01', 'mirror02']);
    expect(inv.classes['cluster.lab']).toEqual(['mirror01', 'mirror02']);
    const out = toReclassNodeinfo(inv.nodes.mirror02, { timestamp: 'T' });
    expect(out.__reclass__).toMatchObject({ node: 'mirror02', name: 'mirror02', environment: 'base', timestamp: 'T' });
    expect((out.parameters as Record<string, Record<string, unknown>>).mirror.name).toBe('lab-debian');
  });
});

describe('renderNode, beyond reclass', () => {
  it('renders an inventory query inside text (reclass 1.7 crashes on it)', () => {
    const f = files({
      'nodes/a.yml': 'exports:\n  role: db\n',
      'nodes/b.yml': 'parameters:\n  text: "dbs=$[ if exports:role == db ]"\n',
    });
    expect(renderNode(f, 'b').parameters.text).toBe("dbs=['a']");
  });

  it('locates a value copied by a reference at the reference, and its children at their source', () => {
    const f = files({ 'nodes/n.yml': 'parameters:\n  src:\n    k: v\n  copy: ${src}\n  s: ${src:k}\n' });
    const n = renderNode(f, 'n');
    expect(n.parameters.copy).toEqual({ k: 'v' });
    expect(n.locate(['copy'])).toMatchObject({ line: 4 });
    expect(n.locate(['copy', 'k'])).toMatchObject({ line: 3 });
    expect(n.locate(['s'])).toMatchObject({ line: 5 });
  });
});

describe('nodes that share their classes (copy-on-write merge)', () => {
  const shared = {
    'classes/svc.yml': 'parameters:\n  svc:\n    config:\n      port: 80\n      hosts: [a]\n    name: svc\n',
    'classes/cluster.yml': 'classes:\n  - svc\nparameters:\n  svc:\n    config:\n      hosts: [b]\n',
    'nodes/n1.yml': 'classes:\n  - cluster\nparameters:\n  svc:\n    config:\n      port: 8080\n      hosts: [n1]\n',
    'nodes/n2.yml': 'classes:\n  - cluster\nparameters:\n  svc:\n    extra: true\n',
    'nodes/n3.yml': 'classes:\n  - cluster\n',
  };

  it('gives each node its own changes only, in any order and when rendered again', () => {
    const want = {
      n1: { config: { port: 8080, hosts: ['a', 'b', 'n1'] }, name: 'svc' },
      n2: { config: { port: 80, hosts: ['a', 'b'] }, name: 'svc', extra: true },
      n3: { config: { port: 80, hosts: ['a', 'b'] }, name: 'svc' },
    };
    const m = files(shared);
    for (const order of [['n1', 'n2', 'n3'], ['n3', 'n1', 'n2', 'n1', 'n3']]) {
      for (const n of order) expect({ n, svc: renderNode(m, n).parameters.svc }).toEqual({ n, svc: want[n as keyof typeof want] });
    }
    const inv = renderInventory(m);
    for (const n of ['n1', 'n2', 'n3'] as const) expect(inv.nodes[n].parameters.svc).toEqual(want[n]);
  });
});
