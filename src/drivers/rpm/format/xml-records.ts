/**
 * Streaming reader and writer of repodata XML (repomd.xml, primary, filelists, other: the
 * createrepo formats, https://github.com/rpm-software-management/createrepo_c/blob/master/doc/).
 *
 * The parser is saxes (a strict, well-formedness-checking streaming XML parser: no DOM of the
 * whole document, so a 100 MB primary costs one record at a time). Repodata never has a DOCTYPE:
 * one is refused at once, so no DTD is read and no entity can be declared (the billion-laughs
 * bomb and external entities both need one); references to undeclared entities are errors in
 * saxes. Each record element (`<package>`, `<data>`) is handed over as a small tree, with the
 * line it starts on. Pure: it takes chunks of bytes and gives values.
 */
import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  /** Attributes in document order (qualified names, `xml:base`, `rpm:entry`...). */
  attrs: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

/** A syntax problem or a refused construct, with the 1-based line it was found on. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface RecordHandlers {
  /** The root element's name (checked by the caller) and attributes. */
  onRoot?(el: XmlElement, line: number): void;
  /** Each child element of the root named `record`, whole. Returning false stops the reading. */
  onRecord(el: XmlElement, ordinal: number, line: number): void | boolean;
  /**
   * Lean reading: elements of these names are parsed (and checked) but left out of the record,
   * and whitespace-only text is dropped (a catalog needs names and relations, not descriptions).
   */
  skip?: ReadonlySet<string>;
}

/**
 * Parses `chunks` (UTF-8 XML), handing each `record` child of the root (`*`: every child) to `onRecord`.
 * Throws XmlSyntaxError for malformed XML, a DOCTYPE, or a document with no root.
 * Returns the number of records read.
 */
export async function readXmlRecords(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, record: string, handlers: RecordHandlers): Promise<number> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  const state: { failure?: XmlSyntaxError } = {};
  let count = 0;
  let stopped = false;
  let sawRoot = false;
  let startLine = 0;
  parser.on('error', (e) => {
    state.failure ??= new XmlSyntaxError(e.message.replace(/^\d+:\d+: /, ''), parser.line);
  });
  parser.on('doctype', () => {
    state.failure ??= new XmlSyntaxError('a DOCTYPE is refused (repodata has none; a DTD could declare entities that expand without bound)', parser.line);
  });
  const skip = handlers.skip;
  let skipping = 0;
  parser.on('opentag', (tag) => {
    if (state.failure) return;
    if (skipping > 0 || (skip?.has(tag.name) && stack.length >= 2)) {
      skipping++;
      return;
    }
    const el: XmlElement = { name: tag.name, attrs: tag.attributes, children: [] };
    if (stack.length === 0) {
      sawRoot = true;
      handlers.onRoot?.(el, parser.line);
    } else if (stack.length === 1) {
      startLine = parser.line;
    }
    if (stack.length >= 1) stack[stack.length - 1].children.push(el);
    stack.push(el);
  });
  parser.on('text', (text) => {
    if (skipping > 0 || (skip && !text.trim())) return;
    if (stack.length >= 2) stack[stack.length - 1].children.push(text);
  });
  parser.on('cdata', (text) => {
    if (skipping > 0) return;
    if (stack.length >= 2) stack[stack.length - 1].children.push(text);
  });
  parser.on('closetag', () => {
    if (state.failure) return;
    if (skipping > 0) {
      skipping--;
      return;
    }
    const el = stack.pop()!;
    if (stack.length === 1) {
      // Records are not kept in the root: one at a time in memory.
      stack[0].children.length = 0;
      // Handed over after the chunk is parsed: saxes closes an element before it reports the
      // mismatched tag that closed it.
      if (record === '*' || el.name === record) pending.push([el, startLine]);
    }
  });
  const pending: Array<[XmlElement, number]> = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const feed = (text: string) => {
    if (state.failure || stopped) return;
    if (text) parser.write(text);
    const failed = state.failure as XmlSyntaxError | undefined;
    if (failed) throw failed;
    for (const [el, line] of pending) {
      if (handlers.onRecord(el, count++, line) === false) {
        stopped = true;
        break;
      }
    }
    pending.length = 0;
  };
  try {
    for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
      feed(decoder.decode(chunk, { stream: true }));
      if (state.failure) throw state.failure;
      if (stopped) return count;
    }
    feed(decoder.decode());
    if (!state.failure && !stopped) {
      parser.close();
      feed('');
    }
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw e;
    if (e instanceof TypeError && /encoded|decode/i.test(e.message)) throw new XmlSyntaxError('not valid UTF-8', parser.line);
    throw state.failure ?? e;
  }
  if (state.failure) throw state.failure;
  if (!sawRoot) throw new XmlSyntaxError('no root element', parser.line);
  return count;
}

/** The text content of an element (its text children joined). */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

/** The first child element named `name`. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

/** The child elements named `name`. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  if (el) for (const c of el.children) if (typeof c !== 'string' && c.name === name) out.push(c);
  return out;
}

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => escText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

function attrsText(attrs: Record<string, string>): string {
  let s = '';
  for (const [k, v] of Object.entries(attrs)) s += ` ${k}="${escAttr(v)}"`;
  return s;
}

/** The start tag of `el` (for a root element written around records). */
export function startTag(name: string, attrs: Record<string, string>): string {
  return `<${name}${attrsText(attrs)}>`;
}

/**
 * `el` as XML, indented by `depth` levels of two spaces as createrepo_c writes it: text-only
 * elements on one line, whitespace between child elements replaced by the indentation, text
 * kept exactly.
 */
export function writeElement(el: XmlElement, depth = 1): string {
  const pad = '  '.repeat(depth);
  const open = `${pad}<${el.name}${attrsText(el.attrs)}`;
  if (el.children.length === 0) return `${open}/>\n`;
  const hasElements = el.children.some((c) => typeof c !== 'string');
  if (!hasElements) return `${open}>${escText((el.children as string[]).join(''))}</${el.name}>\n`;
  let s = `${open}>\n`;
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c.trim()) s += escText(c);
    } else s += writeElement(c, depth + 1);
  }
  return `${s}${pad}</${el.name}>\n`;
}
