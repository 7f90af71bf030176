/**
 * JSON and YAML text of a rendered node or inventory, with floats spelled as reclass (Python)
 * spells them: a PyFloat prints as `4.0`, `1e-05` in JSON (json.dumps, including `NaN` and
 * `Infinity`) and as PyYAML's `4.0`, `1.0e-05`, `.inf`, `.nan` in YAML.
 */
import { randomBytes } from 'node:crypto';
import { PyFloat, pyFloatRepr, withJsonMarker } from './values/py-float.js';
import { yamlLib } from './yaml/yaml-lib.js';

/** PyYAML's represent_float. */
function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  const r = pyFloatRepr(x);
  // PyYAML adds a dot to an exponent form so that YAML 1.1 reads it back as a float.
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

/**
 * JSON.stringify(value, null, indent) with PyFloats as bare numbers: each is first written (its
 * toJSON) as a string holding a random per-call marker, and the quoted markers are then
 * replaced. No replacer function: JSON.stringify then stays on V8's fast path for the rest.
 */
export function toPyJson(value: unknown, indent = 2): string {
  const marker = `\u0000${randomBytes(8).toString('hex')}:`;
  const { out: text, marked } = withJsonMarker(marker, () => JSON.stringify(value, null, indent));
  if (marked === 0) return text;
  const quoted = JSON.stringify(marker).slice(1, -1);
  return text.split(`"${quoted}`).map((part, i) => (i === 0 ? part : part.replace('"', ''))).join('');
}

/** YAML text (the `yaml` package) with PyFloats as PyYAML writes floats. */
export function toPyYaml(value: unknown): string {
  const floatTag = {
    identify: (v: unknown) => v instanceof PyFloat,
    tag: 'tag:yaml.org,2002:float',
    default: true,
    resolve: (s: string) => Number(s),
    stringify: (item: { value: unknown }) => yamlFloat((item.value as PyFloat).value),
  };
  return yamlLib().stringify(value, { aliasDuplicateObjects: false, customTags: [floatTag] });
}
