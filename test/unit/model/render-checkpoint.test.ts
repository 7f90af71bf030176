import { describe, it, expect } from '@jest/globals';
import { renderInventory, renderNode } from '../../../src/model/index.js';
import type { RenderedNode } from '../../../src/model/index.js';

const files = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

/** A render compared with its key order (JSON text), floats included. */
const text = (n: RenderedNode): string => JSON.stringify({ p: n.parameters, e: n.exports, c: n.classes, a: n.applications });

/** The node rendered alone, from scratch: a model holding only that node, in a fresh map. */
function alone(model: Record<string, string>, node: string): RenderedNode {
  const only = Object.fromEntries(Object.entries(model).filter(([k]) => !k.startsWith('nodes/') || k === `nodes/${node}.yml`));
  return renderInventory(files(only)).nodes[node];
}

// Nodes of the same classes render from the first one's checkpoint; what one node sets must
// never leak into another, and each must equal its render from scratch.
const model = {
  'classes/svc/a.yml': [
    'parameters:',
    '  _param:',
    '    a0: ${_param:root}-a',
    '    a1: ${_param:a0}-b',
    '    version: 4.0',
    '  svc:',
    '    name: ${_param:a1}',
    '    who: ${_reclass_:name:short}',
    '    port: 80',
    '    url: http://x/${_param:version}/',
    "    list: ['${_param:a1}', 2]",
    '  other:',
    '    deep:',
    '      v: ${_param:a1}/x',
    '    whole: ${svc:list}',
    '  plain:',
    '    k: ${_param:root}',
    '  env: ${_reclass_:environment}',
    '',
  ].join('\n'),
  'classes/cluster/c.yml': 'classes:\n  - svc.a\nparameters:\n  _param:\n    root: r\n',
  'nodes/n1.yml': 'classes:\n  - cluster.c\nparameters:\n  only_n1: 1\n  svc:\n    port: 81\n',
  'nodes/n2.yml': 'classes:\n  - cluster.c\nparameters:\n  _param:\n    a0: own\n',
  'nodes/n3.yml': 'classes:\n  - cluster.c\nparameters:\n  other:\n    deep:\n      w: 1\n',
  'nodes/n4.yml': 'classes:\n  - cluster.c\n',
  'nodes/n5.yml': 'classes:\n  - cluster.c\nenvironment: prod\nparameters:\n  _param:\n    version: 5.0\n  ~plain:\n    z: 1\n',
  'nodes/n6.yml': 'classes:\n  - cluster.c\nparameters:\n  svc:\n    list: [3]\n  _param:\n    a1: ${_param:root}-n6\n',
};

describe('render checkpoints shared by nodes of the same classes', () => {
  it('reuses only what reads nothing either node sets', () => {
    const inv = renderInventory(files(model));
    const p = (n: string): Record<string, unknown> => inv.nodes[n].parameters;
    expect(p('n1').svc).toEqual({ name: 'r-a-b', who: 'n1', port: 81, url: 'http://x/4.0/', list: ['r-a-b', 2] });
    expect(p('n2').svc).toEqual({ name: 'own-b', who: 'n2', port: 80, url: 'http://x/4.0/', list: ['own-b', 2] });
    expect(p('n2').other).toEqual({ deep: { v: 'own-b/x' }, whole: ['own-b', 2] });
    expect(p('n3').other).toEqual({ deep: { v: 'r-a-b/x', w: 1 }, whole: ['r-a-b', 2] });
    expect(p('n4').svc).toEqual({ name: 'r-a-b', who: 'n4', port: 80, url: 'http://x/4.0/', list: ['r-a-b', 2] });
    expect(p('n4')).not.toHaveProperty('only_n1');
    expect(p('n4').plain).toEqual({ k: 'r' });
    expect(p('n4').plain).toBe(p('n1').plain);
    expect(p('n5').plain).toEqual({ z: 1 });
    expect(p('n5').env).toBe('prod');
    expect((p('n5').svc as Record<string, unknown>).url).toBe('http://x/5.0/');
    expect(p('n6').svc).toMatchObject({ name: 'r-n6', list: ['r-n6', 2, 3] });
    expect(p('n6').other).toEqual({ deep: { v: 'r-n6/x' }, whole: ['r-n6', 2, 3] });
  });

  it('gives every node what it renders alone, key order included, in any order', () => {
    const inv = renderInventory(files(model));
    for (const n of Object.keys(inv.nodes)) expect(text(inv.nodes[n])).toBe(text(alone(model, n)));
    const f = files(model);
    for (const n of ['n6', 'n4', 'n2', 'n5', 'n3', 'n1']) expect(text(renderNode(f, n))).toBe(text(alone(model, n)));
  });

  it('locates reused values', () => {
    const f = files(model);
    renderNode(f, 'n2');
    expect(renderNode(f, 'n1').locate(['plain', 'k'])).toMatchObject({ file: 'classes/svc/a.yml', line: 17 });
    expect(renderNode(f, 'n4').locate(['other', 'deep', 'v'])).toMatchObject({ file: 'classes/svc/a.yml', line: 14 });
    expect(renderNode(f, 'n1').locate(['svc', 'port'])).toMatchObject({ file: 'nodes/n1.yml', line: 6 });
  });
});

// The first node of a class list renders from the checkpoint of a list with the same first
// classes: whatever the classes after the common prefix set, in either list, is rendered again.
const prefixed = {
  'classes/common.yml': 'parameters:\n  _param:\n    base: b\n    url: http://${_param:base}/${_param:role}\n    plain: ${_param:base}-p\n  common:\n    url: ${_param:url}\n    plain: ${_param:plain}\n    list: [1]\n',
  'classes/role/a.yml': 'parameters:\n  _param:\n    role: a\n  only_a: ${_param:plain}\n  common:\n    list: [2]\n',
  'classes/role/b.yml': 'parameters:\n  _param:\n    role: b\n    base: bb\n  common:\n    extra: ${common:url}\n',
  'classes/role/c.yml': 'classes:\n  - role.a\nparameters:\n  ~common:\n    url: own\n',
  'nodes/x1.yml': 'classes:\n  - common\n  - role.a\n',
  'nodes/x2.yml': 'classes:\n  - common\n  - role.b\n',
  'nodes/x3.yml': 'classes:\n  - common\n  - role.c\n',
  'nodes/x4.yml': 'classes:\n  - role.a\n  - common\n',
};

describe('render checkpoints shared by class lists with a common prefix', () => {
  it('gives every node what it renders alone', () => {
    const inv = renderInventory(files(prefixed));
    for (const n of Object.keys(inv.nodes)) expect(text(inv.nodes[n])).toBe(text(alone(prefixed, n)));
    expect(inv.nodes.x2.parameters.common).toEqual({ url: 'http://bb/b', plain: 'bb-p', list: [1], extra: 'http://bb/b' });
    expect(inv.nodes.x3.parameters.common).toEqual({ url: 'own' });
    expect(inv.nodes.x1.parameters.common).toEqual({ url: 'http://b/a', plain: 'b-p', list: [1, 2] });
  });
});

// A node rendered again after a commit reuses its last render except where the changed files'
// parameters (old and new) reach; the result must equal a render from scratch.
const base: Record<string, string> = {
  'classes/defaults.yml': 'parameters:\n  _param:\n    mirror: mirror.example\n    release: 2019.2.0\n    ratio: 16.0\n',
  'classes/svc/api.yml': [
    'classes:',
    '  - defaults',
    'parameters:',
    '  _param:',
    '    api_url: http://${_param:mirror}/${_param:release}',
    '  api:',
    '    url: ${_param:api_url}/api',
    '    ratio: ${_param:ratio}',
    "    members: ['${_param:mirror}']",
    '    keep: same',
    '',
  ].join('\n'),
  'classes/svc/db.yml': 'parameters:\n  db:\n    host: ${_param:mirror}\n    opts: {a: 1}\n',
  'classes/cluster.yml': 'classes:\n  - svc.api\n  - svc.db\nparameters:\n  _param:\n    release: 2019.2.13\n',
  'nodes/m1.yml': 'classes:\n  - cluster\nparameters:\n  api:\n    name: ${_reclass_:name:full}\n',
};

const INC = { incremental: true };

function commit(model: Record<string, string>, change: Record<string, string | null>): Record<string, string> {
  const next = { ...model };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

describe('a node rendered again after a commit', () => {
  const cases: Array<[string, Record<string, string | null>]> = [
    ['a value every reference reaches', { 'classes/defaults.yml': 'parameters:\n  _param:\n    mirror: other.example\n    release: 2019.2.0\n    ratio: 16.0\n' }],
    ['a class at the end of the list', { 'classes/cluster.yml': 'classes:\n  - svc.api\n  - svc.db\nparameters:\n  _param:\n    release: 2019.2.14\n' }],
    ['a key removed', { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: ${_param:mirror}\n' }],
    ['a key added', { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: ${_param:mirror}\n    opts: {a: 1, b: "${api:url}"}\n' }],
    ['a scalar turned into a dict', { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: {name: "${_param:mirror}"}\n    opts: {a: 1}\n' }],
    ['an override added', { 'classes/cluster.yml': 'classes:\n  - svc.api\n  - svc.db\nparameters:\n  _param:\n    release: 2019.2.13\n  ~api:\n    url: fixed\n' }],
    ['a float changed to an int', { 'classes/defaults.yml': 'parameters:\n  _param:\n    mirror: mirror.example\n    release: 2019.2.0\n    ratio: 16\n' }],
    ['the node file', { 'nodes/m1.yml': 'classes:\n  - cluster\nenvironment: prod\nparameters:\n  api:\n    name: ${_reclass_:environment}\n' }],
    ['the class order', { 'classes/cluster.yml': 'classes:\n  - svc.db\n  - svc.api\nparameters:\n  _param:\n    release: 2019.2.13\n' }],
    ['a class that now includes another', { 'classes/svc/db.yml': 'classes:\n  - extra\nparameters:\n  db:\n    host: ${_param:mirror}\n', 'classes/extra.yml': 'parameters:\n  _param:\n    mirror: extra.example\n' }],
    ['a class file moved to init.yml', { 'classes/svc/db.yml': null, 'classes/svc/db/init.yml': 'parameters:\n  db:\n    host: moved\n' }],
    ['a file the node does not read', { 'classes/unused.yml': 'parameters:\n  db:\n    host: never\n' }],
  ];
  for (const [what, change] of cases) {
    it(`after a commit changing ${what}, equals a render from scratch`, () => {
      renderNode(files(base), 'm1', INC);
      const next = commit(base, change);
      const again = renderNode(files(next), 'm1', INC);
      expect(text(again)).toBe(text(alone(next, 'm1')));
      // And back: the reverse commit too.
      expect(text(renderNode(files(base), 'm1', INC))).toBe(text(alone(base, 'm1')));
    });
  }

  it('reuses the values no changed path reaches, and locates the changed ones', () => {
    const first = renderNode(files(base), 'm1', INC);
    const next = commit(base, { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: ${_param:release}\n    opts: {a: 2}\n' });
    const again = renderNode(files(next), 'm1', INC);
    expect(again.parameters.api).toBe(first.parameters.api);
    expect(again.parameters.db).toEqual({ host: '2019.2.13', opts: { a: 2 } });
    expect(again.locate(['db', 'opts', 'a'])).toMatchObject({ file: 'classes/svc/db.yml', line: 4 });
    expect(again.locate(['api', 'keep'])).toMatchObject({ file: 'classes/svc/api.yml', line: 10 });
  });

  it('reports an error a commit brings, and renders again once it is fixed', () => {
    renderNode(files(base), 'm1', INC);
    const broken = commit(base, { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: ${_param:nowhere}\n' });
    expect(() => renderNode(files(broken), 'm1', INC)).toThrow(/nowhere/);
    const fixed = commit(base, { 'classes/svc/db.yml': 'parameters:\n  db:\n    host: fixed\n' });
    expect(text(renderNode(files(fixed), 'm1', INC))).toBe(text(alone(fixed, 'm1')));
  });
});
