/**
 * reclass class_mappings: each entry is `<glob or /regex/> class class...`, split like a POSIX
 * shell line (quotes; inside `/.../` a backslash escapes `/`). A glob must match the whole node
 * name (fnmatch); a regex is searched and its groups fill `\1` or `\g<1>` in the class names.
 * With class_mappings_match_path the node's path (`dir/node`) is matched instead.
 */
export interface ClassMapping {
  pattern: string;
  regex?: RegExp;
  glob?: RegExp;
  classes: string[];
}

export function parseMapping(line: string): ClassMapping {
  const regexp = line.startsWith('/');
  const quotes = regexp ? `'"/` : `'"`;
  const tokens: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote !== "'" && (line[i + 1] === quote || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
    } else if (/\s/.test(c)) {
      if (cur !== undefined) tokens.push(cur);
      cur = undefined;
    } else if (quotes.includes(c)) {
      quote = c;
      cur ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else cur = (cur ?? '') + c;
  }
  if (quote) throw new Error(`Error in mapping "${line}": missing closing quote (or slash)`);
  if (cur !== undefined) tokens.push(cur);
  const [key = '', ...classes] = tokens;
  if (regexp) return { pattern: `/${key}/`, regex: new RegExp(pyRegex(key)), classes };
  return { pattern: key, glob: globToRegex(key), classes };
}

function pyRegex(src: string): string {
  return src.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Classes the mappings give a node, in order, each once. */
export function mappedClasses(mappings: ClassMapping[], matchName: string): string[] {
  const out: string[] = [];
  const add = (c: string): void => {
    if (!out.includes(c)) out.push(c);
  };
  for (const m of mappings) {
    if (m.regex) {
      const hit = m.regex.exec(matchName);
      if (hit) for (const c of m.classes) add(expand(c, hit));
    } else if (m.glob?.test(matchName)) for (const c of m.classes) add(c);
  }
  return out;
}

function expand(template: string, hit: RegExpExecArray): string {
  return template.replace(/\\g<(\w+)>|\\(\d{1,2})/g, (_all, name: string | undefined, num: string | undefined) => {
    if (name !== undefined) return (/^\d+$/.test(name) ? hit[Number(name)] : hit.groups?.[name]) ?? '';
    return hit[Number(num)] ?? '';
  });
}
