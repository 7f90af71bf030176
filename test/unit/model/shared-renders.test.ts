import { describe, it, expect } from '@jest/globals';
import { renderInventory, renderNode } from '../../../src/model/index.js';

const files = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

// Nodes of the same classes share renders; what one node sets must never leak into another.
const model = {
  'classes/svc/a.yml': 'parameters:\n  _param:\n    a0: ${_param:root}-a\n    a1: ${_param:a0}-b\n  svc:\n    name: ${_param:a1}\n    who: ${_reclass_:name:short}\n    port: 80\n  other:\n    deep:\n      v: ${_param:a1}/x\n  plain:\n    k: ${_param:root}\n',
  'classes/cluster/c.yml': 'classes:\n  - svc.a\nparameters:\n  _param:\n    root: r\n',
  'nodes/n1.yml': 'classes:\n  - cluster.c\n',
  'nodes/n2.yml': 'classes:\n  - cluster.c\nparameters:\n  _param:\n    a0: own\n',
  'nodes/n3.yml': 'classes:\n  - cluster.c\nparameters:\n  other:\n    deep:\n      w: 1\n',
  'nodes/n4.yml': 'classes:\n  - cluster.c\n',
};

describe('renders shared between nodes of the same classes', () => {
  it('reuses only what reads nothing the node sets', () => {
    const inv = renderInventory(files(model));
    const p = (n: string): Record<string, unknown> => inv.nodes[n].parameters;
    expect(p('n1').svc).toEqual({ name: 'r-a-b', who: 'n1', port: 80 });
    expect(p('n2').svc).toEqual({ name: 'own-b', who: 'n2', port: 80 });
    expect(p('n2').other).toEqual({ deep: { v: 'own-b/x' } });
    expect(p('n3').other).toEqual({ deep: { v: 'r-a-b/x', w: 1 } });
    expect(p('n4').svc).toEqual({ name: 'r-a-b', who: 'n4', port: 80 });
    expect(p('n4').other).toEqual({ deep: { v: 'r-a-b/x' } });
    expect(p('n4').plain).toEqual({ k: 'r' });
    expect(p('n4').plain).toBe(p('n1').plain);
  });

  it('renders alike in any order and locates shared values', () => {
    const f = files(model);
    for (const n of ['n4', 'n2', 'n3', 'n1']) expect(renderNode(f, n).parameters).toEqual(renderInventory(files(model)).nodes[n].parameters);
    expect(renderNode(f, 'n1').locate(['plain', 'k'])).toMatchObject({ file: 'classes/svc/a.yml', line: 13 });
    expect(renderNode(f, 'n4').locate(['other', 'deep', 'v'])).toMatchObject({ file: 'classes/svc/a.yml', line: 11 });
  });
});
