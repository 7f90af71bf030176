/** Floats keep YAML's float type through rendering and print as Python prints them (issue 12). */
import { describe, expect, it } from '@jest/globals';
import { PyFloat, renderNode, toPyJson, toPyYaml, unboxFloats } from '../../../src/model/index.js';
import { pyFloat } from '../../../src/model/values/py-float.js';
import { loadDesired } from '../../../src/reconcile/apply-desired.js';

const model = (node: string): Map<string, string> =>
  new Map([
    ['classes/defaults.yml', 'parameters:\n  _param:\n    opencontrail_version: 4.0\n    scale: 1.0e+3\n    half: 0.5\n    tiny: 0.00001\n'],
    ['nodes/n.yml', node],
  ]);

describe('integral floats (issue 12)', () => {
  it('keeps 4.0 a float: in the tree, in JSON, in YAML, inside strings', () => {
    const n = renderNode(
      model('classes: [defaults]\nparameters:\n  url: http://mirror/opencontrail-${_param:opencontrail_version}/\n  v: ${_param:opencontrail_version}\n  list: "list ${l}"\n  l: [1.0, 2]\n'),
      'n',
    );
    const p = n.parameters as Record<string, unknown> & { _param: Record<string, unknown> };
    expect(p.url).toBe('http://mirror/opencontrail-4.0/');
    expect(p.v).toBeInstanceOf(PyFloat);
    expect(p._param.half).toBe(0.5);
    expect(p.list).toBe('list [1.0, 2]');
    const json = toPyJson({ v: p.v, scale: p._param.scale, half: p._param.half, tiny: p._param.tiny, url: p.url });
    expect(json).toBe('{\n  "v": 4.0,\n  "scale": 1000.0,\n  "half": 0.5,\n  "tiny": 1e-05,\n  "url": "http://mirror/opencontrail-4.0/"\n}');
    expect(toPyYaml({ v: p.v, scale: p._param.scale, tiny: p._param.tiny })).toBe('v: 4.0\nscale: 1000.0\ntiny: 1.0e-05\n');
  });

  it('boxes only the floats JavaScript would spell differently', () => {
    expect(pyFloat(0.5)).toBe(0.5);
    expect(pyFloat(4)).toEqual(new PyFloat(4));
    expect(pyFloat(1e-5)).toEqual(new PyFloat(1e-5));
    expect(String(new PyFloat(1e16))).toBe('1e+16');
    expect(toPyJson([new PyFloat(NaN), new PyFloat(-Infinity), new PyFloat(-0)], 0)).toBe('[NaN,-Infinity,-0.0]');
    expect(toPyJson({ s: '\u0000not a marker' })).toBe('{\n  "s": "\\u0000not a marker"\n}');
  });

  it('gives the schemas and the desired state plain numbers', () => {
    const tree = { a: { b: [new PyFloat(4), 'x'] }, c: { d: 1 } };
    const plain = unboxFloats(tree);
    expect(plain).toEqual({ a: { b: [4, 'x'] }, c: { d: 1 } });
    expect(plain.c).toBe(tree.c);
    const { desired } = loadDesired(model('parameters:\n  ferry:\n    site: {name: lab, retention: 3.0}\n    mirrors: {}\n'));
    expect(desired.site.retention).toBe(3);
  });
});
