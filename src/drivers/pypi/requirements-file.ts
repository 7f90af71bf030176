/**
 * pip's requirements and constraints files (pip's "Requirements File Format",
 * pip/_internal/req/req_file.py): one PEP 508 requirement per line, `#` comments (at the start
 * or after whitespace), `\` continuations, `-r`/`-c` references (returned, for the caller to
 * read relative to this file), per-requirement `--hash=<algo>:<hex>` options (kept: the mirror
 * keeps only the files they name, as pip's hash-checking mode would install only those) and
 * `--pre` (pre-releases for this file's requirements). Every other pip option is either ignored
 * by name (`ignored`: the index options, since a mirror reads its own index_url; the binary and
 * build options) or refused by name (`errors`: editables, URL and path requirements, `${VAR}`
 * expansion, options pip does not know). Pure; takes text.
 */
import { parseRequirement, type Requirement } from './requirement.js';

export interface FileRequirement {
  requirement: Requirement;
  line: number;
  /** `--hash` options: algorithm (lowercase) -> hex digests (lowercase). */
  hashes: Record<string, string[]>;
}

export interface RequirementsFile {
  requirements: FileRequirement[];
  /** `-r other.txt` / `--requirement` (relative to this file), `-c` / `--constraint`. */
  includes: Array<{ kind: 'requirements' | 'constraints'; path: string; line: number }>;
  /** Options a mirror has no use for, by name, with why and their line. */
  ignored: Array<{ option: string; line: number; why: string }>;
  /** `--pre` was given: the file's requirements admit pre-releases (as pip would install them). */
  pre: boolean;
}

export interface RequirementsError {
  line: number;
  message: string;
}

/** An include naming a URL (read from there), not a file beside the including one. */
export const isUrlInclude = (path: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(path);

/** The hash algorithms pip's `--hash` accepts (pip/_internal/utils/hashes.py STRONG_HASHES). */
const HASH_ALGORITHMS = new Set(['sha256', 'sha384', 'sha512']);

const INDEX = 'a mirror reads its own index_url';
const BINARY = "the mirror keeps what its wheels and sdists settings say; pip's choice among them is pip's";
/** Global options pip accepts in a requirements file that change nothing a mirror holds. */
const IGNORED: Record<string, string> = {
  '-i': INDEX,
  '--index-url': INDEX,
  '--extra-index-url': INDEX,
  '--no-index': INDEX,
  '-f': INDEX,
  '--find-links': INDEX,
  '--trusted-host': INDEX,
  '--no-binary': BINARY,
  '--only-binary': BINARY,
  '--prefer-binary': BINARY,
  '--require-hashes': 'hashes given with --hash are used either way',
  '--use-feature': "pip's own behaviour",
};
/** Options that take a value (the next word when not written `--opt=value`). */
const TAKES_VALUE = new Set(['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--trusted-host', '--no-binary', '--only-binary', '--use-feature', '-r', '--requirement', '-c', '--constraint', '-e', '--editable']);
/** Per-requirement options besides --hash: build settings, which a mirror does not build. */
const REQUIREMENT_IGNORED = new Set(['--global-option', '--config-settings', '-C']);

/** Logical lines: continuations joined, comments removed, with the number of their first line. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let pending: { text: string; line: number } | undefined;
  const flush = () => {
    const stripped = pending!.text.replace(/(^|\s)#.*$/, '').trim();
    if (stripped) out.push({ text: stripped, line: pending!.line });
    pending = undefined;
  };
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    const cont = /\\$/.test(raw);
    const body = cont ? raw.slice(0, -1) : raw;
    pending = pending ? { text: pending.text + body, line: pending.line } : { text: body, line: i + 1 };
    if (!cont) flush();
  });
  if (pending) flush();
  return out;
}

/** `--opt=value`, `--opt value`, `-ovalue`, `-o value` as [option, value?, words used]. */
function option(words: readonly string[], at: number): { name: string; value?: string; used: number } {
  const w = words[at];
  const eq = w.indexOf('=');
  if (w.startsWith('--') && eq > 0) return { name: w.slice(0, eq), value: w.slice(eq + 1), used: 1 };
  if (/^-[a-zA-Z]./.test(w) && !w.startsWith('--')) return { name: w.slice(0, 2), value: w.slice(2), used: 1 };
  if (TAKES_VALUE.has(w) || w === '--hash' || REQUIREMENT_IGNORED.has(w)) return { name: w, value: words[at + 1], used: 2 };
  return { name: w, used: 1 };
}

/** A line that names a URL or a path rather than a project of the index. */
function locationRequirement(text: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:\/\/|git\+|hg\+|svn\+|bzr\+|\.{1,2}[/\\]|\/|~)/i.test(text) || /\.(?:whl|tar\.gz|zip|tar\.bz2|tgz)$/i.test(text);
}

/** Parses a requirements or constraints file; bad lines are returned as errors, not thrown. */
export function parseRequirementsFile(text: string): RequirementsFile & { errors: RequirementsError[] } {
  const result: RequirementsFile & { errors: RequirementsError[] } = { requirements: [], includes: [], ignored: [], pre: false, errors: [] };
  const refuse = (line: number, message: string) => result.errors.push({ line, message });
  for (const { text: l, line } of logicalLines(text)) {
    const envVar = /\$\{([A-Z0-9_]+)\}/.exec(l);
    if (envVar) {
      refuse(line, `\${${envVar[1]}}: environment variables are not expanded (a mirror has no environment of pip's); write the value`);
      continue;
    }
    const words = l.split(/\s+/);
    if (l.startsWith('-')) {
      const o = option(words, 0);
      const rest = words.slice(o.used);
      if (o.name === '-r' || o.name === '--requirement' || o.name === '-c' || o.name === '--constraint') {
        if (!o.value || rest.length > 0) refuse(line, `${o.name} takes one file`);
        else result.includes.push({ kind: o.name === '-c' || o.name === '--constraint' ? 'constraints' : 'requirements', path: o.value, line });
      } else if (o.name === '-e' || o.name === '--editable') {
        refuse(line, `${o.name} ${o.value ?? ''}: an editable requirement is a source tree or a VCS URL, not a project of the index; refused`.replace('  ', ' '));
      } else if (o.name === '--pre') result.pre = true;
      else if (IGNORED[o.name] !== undefined) result.ignored.push({ option: o.name, line, why: IGNORED[o.name] });
      else refuse(line, `unknown option ${o.name} (pip's requirements files know -r, -c, -e, -i, --extra-index-url, --no-index, -f, --no-binary, --only-binary, --prefer-binary, --require-hashes, --pre, --trusted-host, --use-feature)`);
      continue;
    }
    // The requirement is every word before the first option (pip's break_args_options).
    const first = words.findIndex((w) => w.startsWith('-'));
    const reqText = (first < 0 ? words : words.slice(0, first)).join(' ');
    const hashes: Record<string, string[]> = {};
    let bad = false;
    for (let i = first < 0 ? words.length : first; i < words.length; ) {
      const o = option(words, i);
      i += o.used;
      if (o.name === '--hash') {
        const m = /^([a-z0-9]+):([0-9a-fA-F]+)$/.exec(o.value ?? '');
        if (!m || !HASH_ALGORITHMS.has(m[1])) {
          refuse(line, `--hash ${o.value ?? ''}: not <algorithm>:<hex> with one of ${[...HASH_ALGORITHMS].join(', ')}`);
          bad = true;
        } else (hashes[m[1]] ??= []).push(m[2].toLowerCase());
      } else if (REQUIREMENT_IGNORED.has(o.name)) result.ignored.push({ option: o.name, line, why: 'a build option, and a mirror builds nothing' });
      else {
        refuse(line, `unknown option ${o.name} after a requirement (pip knows --hash, --config-settings, --global-option there)`);
        bad = true;
      }
    }
    if (bad) continue;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@/.test(reqText) && locationRequirement(reqText)) {
      refuse(line, `${JSON.stringify(reqText)} names a file, a folder or a URL, not a project of the index; refused`);
      continue;
    }
    try {
      const requirement = parseRequirement(reqText);
      if (requirement.url) refuse(line, `${requirement.name} @ ${requirement.url}: a URL requirement names no version of the index; refused`);
      else result.requirements.push({ requirement, line, hashes });
    } catch (e) {
      refuse(line, (e as Error).message);
    }
  }
  return result;
}
