/**
 * Which references of an image a mirror holds. Each entry of an image's `tags` is one of:
 *   `3.19`                 a tag (distribution-spec tag grammar `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`)
 *   `sha256:<64 hex>`      a manifest by digest
 *   `/^3\.1[0-9]$/`        a regular expression over the repository's tags
 *   `>=1.2 <2`, `^1.4`     a semver range (node-semver syntax) over the tags that read as versions
 * A tag that reads as a version is `1.2.3`, `v1.2.3`, `1.2` (taken as 1.2.0) or with a
 * pre-release (`1.2.3-rc.1`, matched only by ranges that name a pre-release, as in npm);
 * `3.19-alpine` and `latest` are not versions. Pure.
 */
// The three parts of semver used (the package's index loads all 47 of its modules, at every validate).
import Range from 'semver/classes/range.js';
import type SemVer from 'semver/classes/semver.js';
import parse from 'semver/functions/parse.js';
import validRange from 'semver/ranges/valid.js';
import { FerryError } from '../../core/ferry-error.js';

export type TagPattern =
  | { kind: 'tag'; tag: string }
  | { kind: 'digest'; digest: string }
  | { kind: 'regex'; source: string; re: RegExp }
  | { kind: 'range'; source: string; range: Range };

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Reads one `tags` entry; a FERRY_INVALID_MODEL naming image and entry when it is none of the four. */
export function parseTagPattern(text: string, image: string): TagPattern {
  const bad = (why: string) => new FerryError('FERRY_INVALID_MODEL', `image ${image}: tag entry ${JSON.stringify(text)} ${why}`, { image, actual: text });
  if (TAG.test(text)) return { kind: 'tag', tag: text };
  if (DIGEST.test(text)) return { kind: 'digest', digest: text };
  if (text.length > 2 && text.startsWith('/') && text.endsWith('/')) {
    try {
      return { kind: 'regex', source: text, re: new RegExp(text.slice(1, -1)) };
    } catch (e) {
      throw bad(`is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (/^[a-z0-9]+:/.test(text)) throw bad('is a digest of an unsupported algorithm (only sha256)');
  const range = validRange(text) === null ? null : new Range(text);
  if (range) return { kind: 'range', source: text, range };
  throw bad('is neither a tag, a sha256 digest, a /regex/ nor a semver range');
}

/** Whether any pattern needs the repository's tag list (regex, range). */
export function needsTagList(patterns: readonly TagPattern[]): boolean {
  return patterns.some((p) => p.kind === 'regex' || p.kind === 'range');
}

/** A tag as a semver version, or null (see the header for what counts). */
export function tagVersion(tag: string): SemVer | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(-[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return null;
  return parse(`${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ?? ''}`);
}

export interface Selection {
  /** Tags to mirror, sorted, each once. */
  tags: string[];
  /** Manifest digests to mirror without a tag, sorted, each once. */
  digests: string[];
}

/**
 * The tags and digests the patterns select, given the repository's tags (needed only when
 * needsTagList). A regex or range that matches nothing is an error naming image and pattern: a
 * model that asks for images must get them. Exact tags are not checked here (the manifest
 * request answers 404 for a missing one).
 */
export function selectTags(patterns: readonly TagPattern[], available: readonly string[], image: string): Selection {
  const tags = new Set<string>();
  const digests = new Set<string>();
  for (const p of patterns) {
    if (p.kind === 'tag') tags.add(p.tag);
    else if (p.kind === 'digest') digests.add(p.digest);
    else {
      const matched = available.filter((t) => (p.kind === 'regex' ? p.re.test(t) : matchesRange(t, p.range)));
      if (matched.length === 0) {
        throw new FerryError('FERRY_UNRESOLVED_DEPENDENCY', `image ${image}: no tag matches ${p.source} (among ${available.length} tags)`, { image, expected: p.source, actual: available.slice(0, 20) });
      }
      for (const t of matched) tags.add(t);
    }
  }
  return { tags: [...tags].sort(), digests: [...digests].sort() };
}

function matchesRange(tag: string, range: Range): boolean {
  const v = tagVersion(tag);
  return v !== null && range.test(v);
}
