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
 * A callback rather than an async iterator: one await per chunk, not per stanza. Stanza texts
 * are slices of the decoded chunk (no copy) except the one that straddles two chunks.
 */
export async function forEachStanza(chunks: AsyncIterable<Buffer | Uint8Array | string>, onStanza: (s: RawStanza) => boolean | void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 1;
  let ordinal = 0;
  let stopped = false;
  const emit = (text: string): void => {
    let end = text.length;
    while (end > 0 && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
    let start = 0;
    while (start < end && (text.charCodeAt(start) === 10 || text.charCodeAt(start) === 13)) {
      if (text.charCodeAt(start) === 10) line++;
      start++;
    }
    if (start < end && onStanza({ text: start || end < text.length ? text.slice(start, end) : text, ordinal: ordinal++, line }) === false) stopped = true;
    line += countLines(text, start, text.length);
  };
  /** Emits the complete stanzas of `s` from `pos`; returns where the unfinished tail starts. */
  const drain = (s: string, pos: number): number => {
    for (;;) {
      while (pos < s.length && s.charCodeAt(pos) === 10) {
        line++;
        pos++;
      }
      const sep = s.indexOf('\n\n', pos);
      if (sep < 0 || stopped) return pos;
      emit(s.slice(pos, sep));
      line += 2;
      pos = sep + 2;
      if (stopped) return pos;
    }
  };
  for await (const chunk of chunks) {
    const s = typeof chunk === 'string' ? chunk : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (!s.length) continue;
    let pos = 0;
    if (carry) {
      // The stanza that straddles the boundary: carry plus this chunk up to the first separator.
      if (carry.charCodeAt(carry.length - 1) === 10 && s.charCodeAt(0) === 10) {
        emit(carry);
        line += 1;
        pos = 1;
      } else {
        const sep = s.indexOf('\n\n');
        if (sep < 0) {
          carry += s;
          continue;
        }
        emit(carry + s.slice(0, sep));
        line += 2;
        pos = sep + 2;
      }
      if (stopped) return;
    }
    pos = drain(s, pos);
    if (stopped) return;
    carry = s.slice(pos);
  }
  carry += decoder.end();
  if (carry.trim()) emit(carry);
}
