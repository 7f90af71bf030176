/**
 * Validates `parameters.ferry` against schemas/ferry.schema.json and turns every ajv error
 * into a FerryError that names the YAML file and line the bad value came from, the path in the
 * rendered model, and what was expected. All errors at once, sorted by file and line.
 */
import type { ErrorObject } from 'ajv';
import { FerryError } from '../core/ferry-error.js';
import type { SourcePos } from '../model/types.js';
import { ferryValidator } from './schema.js';

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
}

export function validateFerry(input: ValidateInput): FerryError[] {
  if (input.ferry === undefined || input.ferry === null) {
    return [new FerryError('FERRY_SCHEMA', 'parameters.ferry is missing: the node declares no site and no mirrors', { path: 'parameters.ferry' })];
  }
  const validate = ferryValidator();
  if (validate(input.ferry)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && !(e.keyword === 'anyOf' && hasDeeper(e, validate.errors ?? [])));
  const seen = new Set<string>();
  const out: FerryError[] = [];
  for (const e of errors) {
    const error = toFerryError(e, input);
    const key = `${error.data.path}|${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error);
  }
  return out.sort((a, b) => `${a.data.file ?? ''}:${String(a.data.line ?? 0).padStart(6, '0')}`.localeCompare(`${b.data.file ?? ''}:${String(b.data.line ?? 0).padStart(6, '0')}`));
}

function hasDeeper(e: ErrorObject, all: ErrorObject[]): boolean {
  return all.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'anyOf' && o.keyword !== 'if');
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toFerryError(e: ErrorObject, input: ValidateInput): FerryError {
  const ferryPath = pointerToPath(e.instancePath);
  let subject = ferryPath;
  if (e.keyword === 'additionalProperties') subject = [...ferryPath, String(e.params.additionalProperty)];
  const modelPath = input.origin?.(subject) ?? ['ferry', ...subject];
  const pos = input.locate?.(modelPath);
  const dotted = ['parameters', ...modelPath].join('.');
  const data = { path: dotted, file: pos?.file, line: pos?.line, column: pos?.column, expected: expectation(e), actual: actualValue(e, input.ferry, subject) };
  return new FerryError('FERRY_SCHEMA', `${dotted}: ${describe(e)}`, data);
}

function actualValue(e: ErrorObject, root: unknown, path: Array<string | number>): unknown {
  if (e.keyword === 'required' || e.keyword === 'additionalProperties') return undefined;
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

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}" (not in the schema; check its spelling)`;
    case 'enum':
      return `must be ${expectation(e)}`;
    case 'type':
      return `must be of type ${String(p.type)}`;
    case 'format':
      return `must be ${expectation(e)}`;
    case 'pattern':
      return `must match ${String(p.pattern)}`;
    case 'anyOf':
      return 'a deb mirror needs `suites` (or `flat: true` for a flat repository)';
    case 'propertyNames':
      return `mirror name must be lowercase letters, digits, ".", "_" or "-"`;
    default:
      return e.message ?? e.keyword;
  }
}
