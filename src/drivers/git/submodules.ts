/**
 * The submodules a mirrored repository's branches name, to report: Ferry mirrors what the model
 * lists and never follows a submodule URL on its own (a client that needs one clones it from
 * wherever the model mirrors it). Reads `.gitmodules` at each given commit in one
 * `git cat-file --batch` call; `parseGitmodules` is pure (git-config syntax, the subset
 * .gitmodules files use: `[submodule "name"]` sections with `path` and `url`).
 */
import { redactUrl } from '../../core/redact.js';
import { runGit } from './git-cli.js';
import type { Submodule } from './previous-state.js';

export function parseGitmodules(text: string): Submodule[] {
  const byName = new Map<string, { path?: string; url?: string }>();
  let current: { path?: string; url?: string } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*submodule\s+"((?:[^"\\]|\\.)*)"\s*\]$/.exec(line);
    if (section) {
      current = byName.get(section[1]) ?? {};
      byName.set(section[1], current);
      continue;
    }
    if (line.startsWith('[')) {
      current = undefined;
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (!current || !kv) continue;
    const value = kv[2].replace(/^"(.*)"$/, '$1');
    const key = kv[1].toLowerCase();
    if (key === 'path') current.path = value;
    else if (key === 'url') current.url = value;
  }
  return [...byName.values()]
    .filter((s): s is Submodule => typeof s.path === 'string' && typeof s.url === 'string')
    .map((s) => ({ path: s.path, url: redactUrl(s.url) }));
}

/** The submodules named at any of `commits`, unique by path and URL, sorted. */
export async function submodulesAt(gitdir: string, commits: readonly string[], signal: AbortSignal): Promise<Submodule[]> {
  const unique = [...new Set(commits)];
  if (unique.length === 0) return [];
  const { stdout } = await runGit(['cat-file', '--batch'], { gitdir, signal, input: unique.map((c) => `${c}:.gitmodules`).join('\n') + '\n', what: 'reading .gitmodules' });
  const buf = Buffer.from(stdout, 'utf8');
  const found = new Map<string, Submodule>();
  let p = 0;
  while (p < buf.length) {
    const eol = buf.indexOf(10, p);
    if (eol < 0) break;
    const header = buf.toString('utf8', p, eol).split(' ');
    p = eol + 1;
    if (header[1] !== 'blob') continue;
    const size = Number(header[2]);
    for (const s of parseGitmodules(buf.toString('utf8', p, p + size))) found.set(`${s.path}\0${s.url}`, s);
    p += size + 1;
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.url < b.url ? -1 : 1));
}
