/**
 * Which index file answers a folder, by the request's Accept (the serving hook's folder
 * indexes, Kind.serving.indexes: a pypi folder holds `index.html` and `index.pypi-json`,
 * PEP 691 "Content negotiation"). One rule, written so that nginx can apply it with a regex `map`
 * (nginx-config.ts) and `ferry serve` gives the same answer to the same header:
 *
 *   1. a variant whose type the Accept lists with q=1 (no q, or q=1) is chosen (the first such);
 *   2. else index.html when the Accept lists text/html or any `+html` type;
 *   3. else a variant whose type it lists with q above 0;
 *   4. else index.html.
 *
 * It differs from a full RFC 9110 §12.5.1 weighing only for a client that lists HTML and a
 * variant, both below q=1, the variant higher: it gets HTML (pip lists JSON at q=1).
 */
export interface IndexVariant {
  /** The file in the folder (`index.pypi-json`). */
  file: string;
  /** The media types it answers (`application/vnd.pypi.simple.v1+json`). */
  types: readonly string[];
}

export const DEFAULT_INDEX = 'index.html';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The regular expressions of the rule for one variant, as PCRE sources (case-insensitive): shared with nginx. */
export function variantPatterns(v: IndexVariant): { full: string; listed: string } {
  const types = `(?:${v.types.map(escapeRe).join('|')})`;
  return {
    // Listed with no q, or q=1: followed by `,`, the end, or another parameter, never `q=0.x`.
    full: `(?:^|,)\\s*${types}\\s*(?:$|,|;\\s*q=1(?:\\.0*)?\\s*(?:$|,))`,
    // Listed with a q above 0.
    listed: `(?:^|,)\\s*${types}\\s*(?:$|,|;\\s*q=(?!0(?:\\.0*)?\\s*(?:$|,)))`,
  };
}

export const HTML_PATTERN = '(?:^|,)\\s*(?:text/html|[a-z0-9.+-]+/[a-z0-9.+-]+\\+html)\\s*(?:$|,|;\\s*q=(?!0(?:\\.0*)?\\s*(?:$|,)))';

/** The file names to try, in order, for a folder request with this Accept header. */
export function chooseIndex(accept: string | undefined, variants: readonly IndexVariant[]): string[] {
  const a = accept ?? '';
  const test = (source: string) => new RegExp(source, 'i').test(a);
  const pick = (file: string) => [file, ...(file === DEFAULT_INDEX ? [] : [DEFAULT_INDEX])];
  for (const v of variants) if (test(variantPatterns(v).full)) return pick(v.file);
  if (test(HTML_PATTERN)) return [DEFAULT_INDEX];
  for (const v of variants) if (test(variantPatterns(v).listed)) return pick(v.file);
  return [DEFAULT_INDEX];
}
