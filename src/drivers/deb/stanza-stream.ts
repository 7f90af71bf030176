/**
 * Splits a byte stream of a control file (a decompressed Packages or Sources index) into
 * stanzas without holding the whole file: each stanza arrives with its byte offset and length
 * in the stream (so a later pass can copy it verbatim) and its first line number (for errors).
 * Stanzas are separated by blank lines (Debian Policy §5.1). Pure over its input stream.
 */
export interface RawStanza {
  text: string;
  /** Byte offset of the stanza's first byte in the decompressed stream. */
  offset: number;
  /** Length in bytes, without the separating blank line(s). */
  length: number;
  /** 1-based line number of the first line. */
  line: number;
}

function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, start); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Yields the stanzas of `chunks` in order. */
export async function* splitStanzas(chunks: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<RawStanza> {
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = 0; // stream offset of carry[0]
  let line = 1; // line number at carry[0]
  for await (const chunk of chunks) {
    const c = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = carry.length ? Buffer.concat([carry, c]) : c;
    let pos = 0;
    for (;;) {
      // skip separator newlines at the start
      while (pos < buf.length && buf[pos] === 10) {
        pos++;
        line++;
      }
      const sep = buf.indexOf('\n\n', pos);
      if (sep < 0) break;
      const text = buf.toString('utf8', pos, sep);
      yield { text, offset: carryOffset + pos, length: sep - pos, line };
      line += countNewlines(buf, pos, sep) + 1;
      pos = sep + 1;
    }
    carry = buf.subarray(pos);
    carryOffset += pos;
  }
  let end = carry.length;
  while (end > 0 && (carry[end - 1] === 10 || carry[end - 1] === 13)) end--;
  if (end > 0) yield { text: carry.toString('utf8', 0, end), offset: carryOffset, length: end, line };
}
