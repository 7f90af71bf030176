/**
 * Validates `parameters.ferry` against schemas/ferry.schema.json and turns every ajv error
 * into a FerryError that names the YAML file and line the bad value came from, the path in the
 * rendered model, and what was expected. All errors at once, sorted by file and line.
 */
import type { ErrorObject } from 'ajv';
import { FerryError } from '../core/ferry-error.js';
import type { SourcePos } from '../model/types.js';
import { composeFerrySchema, type KindSchema } from './compose-schema.js';
import { baseSchema, ferryValidator } from './schema.js';

export type Locate = (path: ReadonlyArray<string | number>) => SourcePos | undefined;

export interface ValidateInput {
  /** The value of `parameters.ferry` after merging (MCP vocabulary included). */
  ferry: unknown;
  /** Source position of a path below `parameters` (e.g. ['ferry', 'mirrors', 'x', 'url']). */
  locate?: Locate;
  /**
   * Where a path below `parameters.ferry` really came from, when the value was translated from
   * another vocabulary (MCP's aptly.server.mirror): returns the path below `parameters`.
   */
  origin?: (ferryPath: ReadonlyArray<string | number>) => ReadonlyArray<string | number> | undefined;
  /** The kinds whose mirrors' schemas complete the base schema (the registry's, src/drivers/registry.ts). */
  kinds: readonly KindSchema[];
}

export function validateFerry(input: ValidateInput): FerryError[] {
  if (input.ferry === undefined || input.ferry === null) {
    return [new FerryError('FERRY_SCHEMA', 'parameters.ferry is missing: the node declares no site and no mirrors', { path: 'parameters.ferry' })];
  }
  const validate = ferryValidator(composedSchema(input.kinds));
  if (validate(input.ferry)) return [];
  const all = validate.errors ?? [];
  // An anyOf of `required`s ("suites or flat") is one error naming the alternatives, not one per alternative.
  const alternatives = all.filter((e) => e.keyword === 'anyOf' && !hasDeeper(e, all, (o) => o.keyword === 'required' && o.schemaPath.startsWith(`${e.schemaPath}/`)));
  const inAlternative = (e: ErrorObject) => e.keyword === 'required' && alternatives.some((a) => e.schemaPath.startsWith(`${a.schemaPath}/`));
  // A bad key is one error (`propertyNames`), not also its inner `pattern` (which ajv marks with propertyName).
  const errors = all.filter((e) => e.keyword !== 'if' && e.propertyName === undefined && !inAlternative(e) && !(e.keyword === 'anyOf' && !alternatives.includes(e) && hasDeeper(e, all)));
  const seen = new Set<string>();
  const out: FerryError[] = [];
  for (const e of errors) {
    const error = toFerryError(e, input, all);
    const key = `${error.data.path}|${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error);
  }
  return out.sort((a, b) => `${a.data.file ?? ''}:${String(a.data.line ?? 0).padStart(6, '0')}`.localeCompare(`${b.data.file ?? ''}:${String(b.data.line ?? 0).padStart(6, '0')}`));
}

function hasDeeper(e: ErrorObject, all: ErrorObject[], skip: (o: ErrorObject) => boolean = () => false): boolean {
  return all.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'anyOf' && o.keyword !== 'if' && !skip(o));
}

let composed: { kinds: readonly KindSchema[]; schema: Record<string, unknown> } | undefined;

/** The base schema with the kinds' fragments, kept for the same list of kinds. */
function composedSchema(kinds: readonly KindSchema[]): Record<string, unknown> {
  if (composed?.kinds !== kinds) composed = { kinds, schema: composeFerrySchema(baseSchema(), kinds) };
  return composed.schema;
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toFerryError(e: ErrorObject, input: ValidateInput, all: readonly ErrorObject[]): FerryError {
  const ferryPath = pointerToPath(e.instancePath);
  let subject = ferryPath;
  if (e.keyword === 'additionalProperties') subject = [...ferryPath, String(e.params.additionalProperty)];
  if (e.keyword === 'propertyNames') subject = [...ferryPath, String(e.params.propertyName)];
  const modelPath = input.origin?.(subject) ?? ['ferry', ...subject];
  const pos = input.locate?.(modelPath);
  const dotted = ['parameters', ...modelPath].join('.');
  const options = e.keyword === 'anyOf' ? all.filter((o) => o.keyword === 'required' && o.schemaPath.startsWith(`${e.schemaPath}/`)).map((o) => String(o.params.missingProperty)) : [];
  const data = { path: dotted, file: pos?.file, line: pos?.line, column: pos?.column, expected: options.length ? `one of the fields ${options.join(', ')}` : expectation(e), actual: actualValue(e, input.ferry, subject) };
  return new FerryError('FERRY_SCHEMA', `${dotted}: ${describe(e, options, all)}`, data);
}

function actualValue(e: ErrorObject, root: unknown, path: Array<string | number>): unknown {
  if (e.keyword === 'required' || e.keyword === 'additionalProperties') return undefined;
  if (e.keyword === 'propertyNames') return String(e.params.propertyName);
  let v: unknown = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v !== null && typeof v === 'object' ? undefined : v;
}

function expectation(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return String(p.type);
    case 'enum':
      return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return `a ${String(p.format)}`;
    case 'pattern':
      return `a string matching ${String(p.pattern)}`;
    case 'required':
      return `a field "${String(p.missingProperty)}"`;
    default:
      return e.message ?? e.keyword;
  }
}

/** What the schema's common patterns ask for, in words (the pattern alone rarely says what to write). */
const PATTERN_HINTS: Record<string, string> = {
  '^[0-9]+[smhd]$': 'an interval, a number and s, m, h or d (30m, 6h, 1d)',
  '^[0-9a-f]{64}$': 'a sha256 digest, 64 lowercase hex digits',
  '^[0-9a-f]{32}$': 'an md5 digest, 32 lowercase hex digits',
  '^https?://': 'an http:// or https:// URL',
  '^(https?|ssh|git)://': 'an http(s)://, ssh:// or git:// URL',
};

function describe(e: ErrorObject, alternatives: readonly string[], all: readonly ErrorObject[]): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      // A mirror without a kind: one error, whatever kinds there are.
      if (p.missingProperty === 'kind' && /^\/mirrors\/[^/]+$/.test(e.instancePath)) return 'kind is required';
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}" (not in the schema; check its spelling)`;
    case 'enum':
      return `must be ${expectation(e)}`;
    case 'type':
      return `must be of type ${String(p.type)}`;
    case 'format':
      return `must be ${expectation(e)}`;
    case 'pattern': {
      const hint = PATTERN_HINTS[String(p.pattern)];
      return `must match ${String(p.pattern)}${hint ? `: ${hint}` : ''}`;
    }
    case 'anyOf':
      return alternatives.length ? `needs one of the fields ${alternatives.map((a) => `\`${a}\``).join(', ')}` : 'matches none of the allowed forms';
    case 'propertyNames': {
      const inner = all.find((o) => o.propertyName === p.propertyName && o.instancePath === e.instancePath && o.schemaPath.startsWith(`${e.schemaPath}/`));
      if (e.instancePath === '/mirrors') return `mirror name ${JSON.stringify(p.propertyName)} must be lowercase letters, digits, ".", "_" or "-"`;
      return `key ${JSON.stringify(p.propertyName)} ${inner?.keyword === 'pattern' ? `must match ${String(inner.params.pattern)}` : 'is not allowed here'}`;
    }
    default:
      return e.message ?? e.keyword;
  }
}
