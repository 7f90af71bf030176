/**
 * Debian control-file stanzas (deb822), the format of Packages, Sources and Release files.
 *
 * Debian Policy §5.1 "Syntax of control files": a stanza is a series of `Field: value` lines;
 * a line starting with a space or tab continues the previous field; stanzas are separated by
 * one or more blank lines; field names are case-insensitive. A value is kept as written: the
 * first line without its leading blanks, continuation lines with theirs, so that writing a
 * parsed stanza back gives the same bytes. Pure; no I/O.
 */

export type Stanza = Map<string, string>;

export interface StanzaField {
  name: string;
  value: string;
}

export class StanzaSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'StanzaSyntaxError';
  }
}

/**
 * Parses one stanza's text (no blank lines inside) into its fields, in order.
 * `firstLine` is the 1-based line number of its first line, for error messages.
 */
export function parseStanzaFields(text: string, firstLine = 1): StanzaField[] {
  const fields: StanzaField[] = [];
  let pos = 0;
  let lineNo = firstLine;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) {
      const last = fields[fields.length - 1];
      if (!last) throw new StanzaSyntaxError('continuation line before any field', lineNo);
      last.value += `\n${text.slice(pos, end)}`;
    } else {
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon > end || colon === pos) {
        throw new StanzaSyntaxError(`malformed line ${JSON.stringify(text.slice(pos, Math.min(end, pos + 80)))}: expected "Field: value"`, lineNo);
      }
      const name = text.slice(pos, colon);
      if (/[\s]/.test(name)) throw new StanzaSyntaxError(`malformed field name ${JSON.stringify(name)}`, lineNo);
      let vs = colon + 1;
      while (vs < end && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      let ve = end;
      while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9 || text.charCodeAt(ve - 1) === 13)) ve--;
      fields.push({ name, value: text.slice(vs, ve) });
    }
    pos = end + 1;
    lineNo++;
  }
  return fields;
}

/** Splits a whole control file into stanzas (blank or whitespace-only lines separate them). */
export function parseControlFile(text: string): StanzaField[][] {
  const out: StanzaField[][] = [];
  const lines = text.split('\n');
  let start = -1;
  let buf: string[] = [];
  const flush = () => {
    if (buf.length) out.push(parseStanzaFields(buf.join('\n'), start + 1));
    buf = [];
    start = -1;
  };
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      flush();
    } else {
      if (start < 0) start = i;
      buf.push(line);
    }
  });
  flush();
  return out;
}

/** Writes fields as one stanza (without the trailing blank line). */
export function writeStanza(fields: Iterable<StanzaField>): string {
  const out: string[] = [];
  for (const { name, value } of fields) {
    if (value.startsWith('\n')) out.push(`${name}:${value}`);
    else out.push(`${name}: ${value}`);
  }
  return out.join('\n');
}
