/**
 * PEP 440 versions: parsing, normalization and the total order of "Version scheme"
 * (https://peps.python.org/pep-0440/), as the `packaging` library implements it (Debian's
 * python3-packaging is the reference of test/differential/pypi-pep440.test.ts). Pure.
 *
 * Order: epoch, then the release (trailing zeros ignored), then a dev release of the final
 * (`1.0.dev1`) before every pre-release, pre-releases (a < b < rc), the final, post-releases;
 * within each a `.devN` comes before what it develops; a local label (`+ubuntu.1`) sorts after
 * the public version it labels, its numeric parts above its alphanumeric ones.
 */

const VERSION_BODY =
  'v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
  '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
  '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
  '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
  '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?';

const VERSION_RE = new RegExp(`^\\s*${VERSION_BODY}\\s*$`, 'i');

export type PreLabel = 'a' | 'b' | 'rc';

export interface Version {
  epoch: bigint;
  release: bigint[];
  pre?: [PreLabel, bigint];
  post?: bigint;
  dev?: bigint;
  /** Lowercased local parts, numbers as bigint. */
  local?: Array<bigint | string>;
}

const PRE_LABELS: Record<string, PreLabel> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

/** The version `text` means, or undefined when it is not a PEP 440 version. */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text);
  if (!m?.groups) return undefined;
  const g = m.groups;
  const v: Version = { epoch: g.epoch ? BigInt(g.epoch) : 0n, release: g.release.split('.').map((p) => BigInt(p)) };
  if (g.pre_l) v.pre = [PRE_LABELS[g.pre_l.toLowerCase()], g.pre_n ? BigInt(g.pre_n) : 0n];
  if (g.post !== undefined) v.post = BigInt(g.post_n1 ?? g.post_n2 ?? '0');
  if (g.dev !== undefined) v.dev = g.dev_n ? BigInt(g.dev_n) : 0n;
  if (g.local) v.local = g.local.toLowerCase().split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? BigInt(p) : p));
  return v;
}

/** Like parseVersion, but throws a plain Error naming the text (callers wrap it in a FerryError). */
export function version(text: string): Version {
  const v = parseVersion(text);
  if (!v) throw new Error(`not a PEP 440 version: ${JSON.stringify(text)}`);
  return v;
}

export const isPrerelease = (v: Version): boolean => v.pre !== undefined || v.dev !== undefined;
export const isPostrelease = (v: Version): boolean => v.post !== undefined;

/** The version without its local label. */
export function publicOf(v: Version): Version {
  const { local: _local, ...rest } = v;
  return rest;
}

/** Epoch and release only. */
export function baseOf(v: Version): Version {
  return { epoch: v.epoch, release: v.release };
}

/** The normalized form (`1!2.0rc1.post3.dev4+abc.5`), as `str(Version(...))` gives it. */
export function formatVersion(v: Version, options: { stripTrailingZero?: boolean } = {}): string {
  let release = v.release.join('.');
  if (options.stripTrailingZero) release = release.replace(/(\.0)+$/, '');
  let s = v.epoch !== 0n ? `${v.epoch}!${release}` : release;
  if (v.pre) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join('.')}`;
  return s;
}

/** Normalized text of a version string, or the string itself when it is not PEP 440 (canonicalize_version). */
export function canonicalVersion(text: string, stripTrailingZero = true): string {
  const v = parseVersion(text);
  return v ? formatVersion(v, { stripTrailingZero }) : text;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareRelease(a: bigint[], b: bigint[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i] ?? 0n, b[i] ?? 0n);
    if (c !== 0) return c;
  }
  return 0;
}

/** Where the pre-release part puts a version: dev-of-final lowest, then a/b/rc, then none. */
function preRank(v: Version): [number, bigint] {
  if (v.pre === undefined && v.post === undefined && v.dev !== undefined) return [-1, 0n];
  if (v.pre === undefined) return [3, 0n];
  return [v.pre[0] === 'a' ? 0 : v.pre[0] === 'b' ? 1 : 2, v.pre[1]];
}

function compareLocal(a: Version['local'], b: Version['local']): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      const c = cmp(x, y);
      if (c !== 0) return c;
    } else if (typeof x === 'bigint') return 1;
    else if (typeof y === 'bigint') return -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length === 0 ? 0 : a.length < b.length ? -1 : 1;
}

/** PEP 440 order: negative, zero or positive. Equal versions may be written differently (`1.0` and `1`). */
export function compareVersions(a: Version, b: Version): number {
  let c = cmp(a.epoch, b.epoch) || compareRelease(a.release, b.release);
  if (c !== 0) return c;
  const [ra, na] = preRank(a);
  const [rb, nb] = preRank(b);
  c = ra - rb || cmp(na, nb);
  if (c !== 0) return c < 0 ? -1 : 1;
  // No post release sorts before any post release.
  if (a.post === undefined || b.post === undefined) c = a.post === b.post ? 0 : a.post === undefined ? -1 : 1;
  else c = cmp(a.post, b.post);
  if (c !== 0) return c;
  // No dev release sorts after any dev release.
  if (a.dev === undefined || b.dev === undefined) c = a.dev === b.dev ? 0 : a.dev === undefined ? 1 : -1;
  else c = cmp(a.dev, b.dev);
  if (c !== 0) return c;
  return compareLocal(a.local, b.local);
}
