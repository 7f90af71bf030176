/**
 * WWW-Authenticate challenges (RFC 9110 §11.6.1, §11.3): `Bearer realm="…",service="…",scope="…"`,
 * `Basic realm="…"`, several challenges in one header. Pure: header text in, challenges out.
 */
export interface Challenge {
  /** Lowercase auth scheme: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lowercased; quoted values unescaped. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Every challenge in a WWW-Authenticate value, in order; unreadable tails are dropped. */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length).replace(/^\s+/, '');
    if (after.startsWith('=') && current && !after.startsWith('==')) {
      // name=value (auth-param of the current challenge)
      const value = readValue(after.slice(1).replace(/^\s+/, ''));
      if (!value) break;
      current.params[name.toLowerCase()] = value.value;
      rest = value.rest;
      continue;
    }
    // A new challenge: scheme, then params (or a token68, kept as `token68`).
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    rest = after;
    const token68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(rest);
    if (token68 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=[^=]/.test(rest)) {
      current.params.token68 = token68[0];
      rest = rest.slice(token68[0].length);
    }
  }
  return out;
}

function readValue(text: string): { value: string; rest: string } | undefined {
  if (text.startsWith('"')) {
    let value = '';
    for (let i = 1; i < text.length; i++) {
      const c = text[i];
      if (c === '\\' && i + 1 < text.length) value += text[++i];
      else if (c === '"') return { value, rest: text.slice(i + 1) };
      else value += c;
    }
    return undefined;
  }
  const token = TOKEN.exec(text)?.[0];
  return token === undefined ? undefined : { value: token, rest: text.slice(token.length) };
}
