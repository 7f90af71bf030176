/**
 * Core metadata (https://packaging.python.org/en/latest/specifications/core-metadata/): the
 * `METADATA` file of a wheel's `.dist-info`, and the PEP 658 `.metadata` file served beside it.
 * Header fields in RFC 822 form (continuation lines start with whitespace); the body, after the
 * first empty line, is the description and is ignored. Pure; takes text.
 */
import { parseRequirement, type Requirement } from './requirement.js';
import { parseSpecifierSet, type SpecifierSet } from './specifier.js';

export interface CoreMetadata {
  metadataVersion?: string;
  /** PEP 643 `Dynamic` fields (an sdist's PKG-INFO). */
  dynamic: string[];
  name?: string;
  version?: string;
  requiresPython?: SpecifierSet;
  requiresPythonText?: string;
  requiresDist: Requirement[];
  providesExtra: string[];
}

/** Header fields by lowercased name, each occurrence in order. */
function parseHeaders(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && last) {
      const values = fields.get(last.name)!;
      values[last.index] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = fields.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(name, values);
    last = { name, index: values.length - 1 };
  }
  return fields;
}

/** The fields a mirror needs; a malformed Requires-Dist or Requires-Python throws a plain Error naming it. */
export function parseCoreMetadata(text: string): CoreMetadata {
  const h = parseHeaders(text);
  const one = (k: string) => h.get(k)?.[0];
  const requiresPythonText = one('requires-python');
  let requiresPython: SpecifierSet | undefined;
  if (requiresPythonText !== undefined && requiresPythonText !== '') {
    try {
      requiresPython = parseSpecifierSet(requiresPythonText);
    } catch (e) {
      throw new Error(`Requires-Python: ${(e as Error).message}`, { cause: e });
    }
  }
  const requiresDist = (h.get('requires-dist') ?? []).map((r) => {
    try {
      return parseRequirement(r);
    } catch (e) {
      throw new Error(`Requires-Dist: ${(e as Error).message}`, { cause: e });
    }
  });
  return {
    metadataVersion: one('metadata-version'),
    dynamic: h.get('dynamic') ?? [],
    name: one('name'),
    version: one('version'),
    ...(requiresPython ? { requiresPython, requiresPythonText } : {}),
    requiresDist,
    providesExtra: h.get('provides-extra') ?? [],
  };
}
