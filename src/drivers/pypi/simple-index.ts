/**
 * Reading a "simple" repository API page: PEP 691 JSON (`application/vnd.pypi.simple.v1+json`)
 * or PEP 503 HTML (`text/html`, `application/vnd.pypi.simple.v1+html`), the project list and
 * project pages, with PEP 592 `data-yanked`, PEP 503 `data-requires-python`, PEP 658/714
 * `data-core-metadata` (and the older `data-dist-info-metadata`), hashes in URL fragments
 * (`#sha256=...`), relative URLs resolved against the page (and a `<base href>`). Pure; takes
 * the bytes, the page URL and its Content-Type.
 *
 * HTML is tokenized by htmlparser2 (a maintained, forgiving HTML tokenizer: real indexes carry
 * unquoted attributes, entities, stray tags), not by regular expressions.
 */
import { Parser } from 'htmlparser2';

export interface IndexFile {
  filename: string;
  /** Absolute, without the fragment. */
  url: string;
  /** Hash name (lowercase) to lowercase hex. */
  hashes: Record<string, string>;
  requiresPython?: string;
  /** false when not yanked; true or the reason when yanked. */
  yanked: boolean | string;
  /** Is a PEP 658 metadata file offered, and its hashes when given. */
  coreMetadata: false | Record<string, string>;
  size?: number;
}

export interface ProjectPage {
  name?: string;
  files: IndexFile[];
}

export type PageFormat = 'json' | 'html';

/** Thrown for a page that is neither valid JSON of the API nor HTML; the caller adds project and URL. */
export class PageError extends Error {}

export const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';
/** What Ferry asks an upstream for (PEP 691 "Content negotiation"): JSON first. */
export const ACCEPT = `${JSON_TYPE}, ${HTML_TYPE};q=0.2, text/html;q=0.01`;

/** The page's format from its Content-Type; undefined for one the API does not use. */
export function pageFormat(contentType: string | undefined): PageFormat | undefined {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === JSON_TYPE || t === 'application/json') return 'json';
  if (t === HTML_TYPE || t === 'text/html' || t === 'application/xhtml+xml') return 'html';
  return undefined;
}

function decodeUtf8(body: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new PageError('is not UTF-8 text');
  }
  if (text.includes('\0')) throw new PageError('holds NUL bytes');
  return text;
}

/** `sha256=abc` (a fragment or a data-*-metadata value) as hashes; `true`: offered, no hash. */
function fragmentHashes(text: string): Record<string, string> {
  const m = /^([a-z0-9_]+)=([0-9a-fA-F]+)$/.exec(text.trim());
  return m ? { [m[1].toLowerCase()]: m[2].toLowerCase() } : {};
}

function splitUrl(href: string, base: string): { url: string; fragment: string } {
  let u: URL;
  try {
    u = new URL(href, base);
  } catch {
    throw new PageError(`has a link that is not a URL: ${JSON.stringify(href)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PageError(`links to ${u.protocol} URL ${JSON.stringify(href)}`);
  const fragment = u.hash.replace(/^#/, '');
  u.hash = '';
  return { url: u.toString(), fragment };
}

/** The last segment of the URL's path, percent-decoded (what pip takes as the file name). */
function urlFilename(url: string): string {
  const path = new URL(url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function parseHtmlPage(text: string, pageUrl: string): { anchors: Array<{ attrs: Record<string, string>; text: string }>; base: string } {
  const anchors: Array<{ attrs: Record<string, string>; text: string }> = [];
  let elements = 0;
  let base = pageUrl;
  let open: { attrs: Record<string, string>; text: string } | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        elements++;
        if (name === 'base' && attrs.href !== undefined && base === pageUrl) base = splitUrl(attrs.href, pageUrl).url;
        if (name === 'a') open = { attrs, text: '' };
      },
      ontext(t) {
        if (open) open.text += t;
      },
      onclosetag(name) {
        if (name === 'a' && open) {
          anchors.push(open);
          open = undefined;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true },
  );
  parser.write(text);
  parser.end();
  if (elements === 0) throw new PageError('is not HTML (no element in it)');
  return { anchors, base };
}

/** A project page, from JSON or HTML. Throws PageError. */
export function parseProjectPage(body: Uint8Array, pageUrl: string, format: PageFormat): ProjectPage {
  const text = decodeUtf8(body);
  if (format === 'json') return parseJsonProject(text, pageUrl);
  const { anchors, base } = parseHtmlPage(text, pageUrl);
  const files = anchors
    .filter((a) => a.attrs.href !== undefined)
    .map((a): IndexFile => {
      const { url, fragment } = splitUrl(a.attrs.href, base);
      const meta = a.attrs['data-core-metadata'] ?? a.attrs['data-dist-info-metadata'];
      const yanked = a.attrs['data-yanked'];
      return {
        filename: urlFilename(url),
        url,
        hashes: fragmentHashes(fragment),
        ...(a.attrs['data-requires-python'] ? { requiresPython: a.attrs['data-requires-python'] } : {}),
        yanked: yanked === undefined ? false : yanked === '' ? true : yanked,
        coreMetadata: meta === undefined || meta === 'false' ? false : fragmentHashes(meta),
      };
    });
  return { files };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonHashes(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, h] of Object.entries(v)) if (typeof h === 'string' && /^[0-9a-fA-F]+$/.test(h)) out[k.toLowerCase()] = h.toLowerCase();
  return out;
}

function parseJson(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PageError(`is not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw new PageError('is not a JSON object');
  const meta = doc.meta;
  const version = isObject(meta) ? meta['api-version'] : undefined;
  if (typeof version !== 'string' || !/^1\.\d+$/.test(version)) throw new PageError(`speaks API version ${JSON.stringify(version)}, not 1.x (PEP 691)`);
  return doc;
}

function parseJsonProject(text: string, pageUrl: string): ProjectPage {
  const doc = parseJson(text);
  if (!Array.isArray(doc.files)) throw new PageError('has no "files" list (PEP 691)');
  const files = doc.files.map((f, i): IndexFile => {
    if (!isObject(f) || typeof f.filename !== 'string' || typeof f.url !== 'string') throw new PageError(`files[${i}] lacks a filename or url`);
    const { url } = splitUrl(f.url, pageUrl);
    const meta = f['core-metadata'] ?? f['dist-info-metadata'];
    const yanked = f.yanked;
    return {
      filename: f.filename,
      url,
      hashes: jsonHashes(f.hashes),
      ...(typeof f['requires-python'] === 'string' && f['requires-python'] !== '' ? { requiresPython: f['requires-python'] } : {}),
      yanked: typeof yanked === 'string' ? yanked || true : yanked === true,
      coreMetadata: meta === true ? {} : isObject(meta) ? jsonHashes(meta) : false,
      ...(typeof f.size === 'number' && Number.isSafeInteger(f.size) && f.size >= 0 ? { size: f.size } : {}),
    };
  });
  return { ...(typeof doc.name === 'string' ? { name: doc.name } : {}), files };
}

/** The project names of the root page (`/simple/`), as written. Throws PageError. */
export function parseProjectList(body: Uint8Array, pageUrl: string, format: PageFormat): string[] {
  const text = decodeUtf8(body);
  if (format === 'json') {
    const doc = parseJson(text);
    if (!Array.isArray(doc.projects)) throw new PageError('has no "projects" list (PEP 691)');
    return doc.projects.filter(isObject).map((p) => p.name).filter((n): n is string => typeof n === 'string');
  }
  return parseHtmlPage(text, pageUrl).anchors.map((a) => a.text.trim()).filter(Boolean);
}
