/**
 * pip's requirements and constraints files (pip's "Requirements File Format"): one PEP 508
 * requirement per line, `#` comments (at the start or after whitespace), `\` continuations,
 * `-c`/`-r` references (returned, for the caller to read), and option lines (`--index-url`,
 * `--hash`, `-e`) that a mirror has no use for and skips (listed in `ignored`). Pure; takes text.
 */
import { parseRequirement, type Requirement } from './requirement.js';

export interface RequirementsFile {
  requirements: Array<{ requirement: Requirement; line: number }>;
  /** `-r other.txt` / `--requirement` (relative to this file), `-c` / `--constraint`. */
  includes: Array<{ kind: 'requirements' | 'constraints'; path: string; line: number }>;
  /** Lines that are options a mirror ignores, with their line number. */
  ignored: Array<{ text: string; line: number }>;
}

export interface RequirementsError {
  line: number;
  message: string;
}

/** Logical lines: continuations joined, comments removed, with the number of their first line. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let pending: { text: string; line: number } | undefined;
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    const cont = /\\$/.test(raw);
    const body = cont ? raw.slice(0, -1) : raw;
    pending = pending ? { text: pending.text + body, line: pending.line } : { text: body, line: i + 1 };
    if (cont) return;
    const stripped = pending.text.replace(/(^|\s)#.*$/, '').trim();
    if (stripped) out.push({ text: stripped, line: pending.line });
    pending = undefined;
  });
  if (pending) {
    const stripped = pending.text.replace(/(^|\s)#.*$/, '').trim();
    if (stripped) out.push({ text: stripped, line: pending.line });
  }
  return out;
}

/** Parses a requirements or constraints file; bad lines are returned as errors, not thrown. */
export function parseRequirementsFile(text: string): RequirementsFile & { errors: RequirementsError[] } {
  const result: RequirementsFile & { errors: RequirementsError[] } = { requirements: [], includes: [], ignored: [], errors: [] };
  for (const { text: l, line } of logicalLines(text)) {
    const inc = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^-\s]))(\S+)$/.exec(l);
    if (inc) {
      result.includes.push({ kind: inc[1] === '-c' || inc[1] === '--constraint' ? 'constraints' : 'requirements', path: inc[2], line });
      continue;
    }
    if (l.startsWith('-')) {
      result.ignored.push({ text: l, line });
      continue;
    }
    // Per-requirement options (`--hash=sha256:...`) follow the requirement.
    const req = l.replace(/\s+--[a-z-]+(?:[= ]\S+)?/g, '').trim();
    try {
      result.requirements.push({ requirement: parseRequirement(req), line });
    } catch (e) {
      result.errors.push({ line, message: (e as Error).message });
    }
  }
  return result;
}
