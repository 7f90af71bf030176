/**
 * Splits a byte stream of a control file (a decompressed Packages or Sources index) into
 * stanzas without holding the whole file: each stanza arrives with its ordinal in the file (so
 * a later pass can copy it verbatim) and its first line number (for errors). Stanzas are
 * separated by blank lines (Debian Policy §5.1). Text is decoded as UTF-8 across chunk
 * boundaries. Pure over its input stream.
 */
import { StringDecoder } from 'node:string_decoder';

export interface RawStanza {
  text: string;
  /** 0-based position of the stanza in the file. */
  ordinal: number;
  /** 1-based line number of the first line. */
  line: number;
}

function countLines(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', start); i >= 0 && i < end; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Calls `onStanza` for each stanza of `chunks`, in order; stops early when it returns `false`.
 * A callback rather than an async iterator: one await per chunk, not per stanza.
 */
export async function forEachStanza(chunks: AsyncIterable<Buffer | Uint8Array | string>, onStanza: (s: RawStanza) => boolean | void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 1;
  let ordinal = 0;
  const drain = (s: string, final: boolean): string | undefined => {
    let pos = 0;
    for (;;) {
      while (pos < s.length && (s.charCodeAt(pos) === 10 || (s.charCodeAt(pos) === 13 && s.charCodeAt(pos + 1) === 10))) {
        if (s.charCodeAt(pos) === 10) line++;
        pos++;
      }
      let sep = s.indexOf('\n\n', pos);
      if (sep < 0 && final && pos < s.length) sep = s.length;
      if (sep < 0) return s.slice(pos);
      let end = sep;
      while (end > pos && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 13)) end--;
      if (end > pos && onStanza({ text: s.slice(pos, end), ordinal: ordinal++, line }) === false) return undefined;
      line += countLines(s, pos, sep) + 1;
      pos = sep + 1;
      if (pos >= s.length) return '';
    }
  };
  for await (const chunk of chunks) {
    const s = carry + (typeof chunk === 'string' ? chunk : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    const rest = drain(s, false);
    if (rest === undefined) return;
    carry = rest;
  }
  drain(carry + decoder.end(), true);
}
