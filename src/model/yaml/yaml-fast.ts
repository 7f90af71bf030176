/**
 * Fast YAML loading with js-yaml and a schema that resolves plain scalars as PyYAML's
 * SafeLoader does (YAML 1.1: yes/no/on/off, octal 0755, sexagesimal 1:30, `1e3` a string).
 * Booleans, nulls and floats come back boxed (PyScalar) so that, as mapping keys, they print the
 * way Python's str() does ('True', 'None', '1.0'); the caller unboxes them.
 */
import { createRequire } from 'node:module';
import type JsYaml from 'js-yaml';
import { BOOL, FLOAT, INT, NULL, TRUE, constructFloat, constructInt } from './yaml-scalars.js';
import { pyFloatRepr } from '../values/python-str.js';

export class PyScalar {
  constructor(
    readonly v: unknown,
    readonly text: string,
    readonly isFloat = false,
  ) {}
  toString(): string {
    return this.text;
  }
  get [Symbol.toStringTag](): string {
    return 'PyScalar';
  }
}


const NONE = new PyScalar(null, 'None');
const PY_TRUE = new PyScalar(true, 'True');
const PY_FALSE = new PyScalar(false, 'False');

/** js-yaml and the PyYAML-like schema, loaded on first use (the block reader handles most files). */
let lib: { jsyaml: typeof JsYaml; schema: JsYaml.Schema } | undefined;

function jsYaml(): { jsyaml: typeof JsYaml; schema: JsYaml.Schema } {
  if (lib) return lib;
  const jsyaml = createRequire(import.meta.url)('js-yaml') as typeof JsYaml;
  const types = [
    new jsyaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (d: string) => NULL.test(d), construct: () => NONE }),
    new jsyaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (d: string) => BOOL.test(d), construct: (d: string) => (TRUE.test(d) ? PY_TRUE : PY_FALSE) }),
    new jsyaml.Type('tag:yaml.org,2002:int', { kind: 'scalar', resolve: (d: string) => INT.test(d), construct: (d: string) => constructInt(d) }),
    new jsyaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (d: string) => FLOAT.test(d),
      construct: (d: string) => {
        const f = constructFloat(d);
        return new PyScalar(f, pyFloatRepr(f), true);
      },
    }),
    new jsyaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (d: string) => d === '<<' }),
  ];
  return (lib = { jsyaml, schema: jsyaml.FAILSAFE_SCHEMA.extend({ implicit: types }) });
}

export class FastYamlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Parses one document; throws FastYamlError on bad YAML. */
export function fastLoad(text: string): unknown {
  const { jsyaml, schema } = jsYaml();
  try {
    // js-yaml's own bounds, stated: nesting depth, and keys copied by `<<` merges (a merge-key
    // bomb). Aliases are shared objects here; their expansion is counted by the caller.
    return jsyaml.load(text, { schema, json: true, maxDepth: 100, maxTotalMergeKeys: 10_000 } as JsYaml.LoadOptions);
  } catch (e) {
    if (e instanceof jsyaml.YAMLException) {
      throw new FastYamlError(e.reason || e.message, e.mark ? e.mark.line + 1 : undefined, e.mark ? e.mark.column + 1 : undefined);
    }
    throw e;
  }
}
