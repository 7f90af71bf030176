/**
 * The metadata an rpm mirror serves, createrepo_c-compatible (createrepo_c doc/, dnf's librepo):
 *
 * - a full mirror keeps upstream's repomd.xml byte for byte (its data files are wanted files,
 *   at upstream's paths);
 * - a partial mirror gets new primary, filelists and other with only the chosen packages
 *   (records as upstream wrote them), gzip-compressed, named `repodata/<sha256>-<type>.xml.gz`,
 *   and a new repomd.xml listing them with upstream's other data (modules.yaml, comps,
 *   updateinfo) kept as they are; repomd.xml comes last in the list;
 * - either way `repodata/repomd.xml.asc` is the site key's detached signature of repomd.xml
 *   (what dnf's repo_gpgcheck verifies) and `repodata/repomd.xml.key` the site's public key.
 *
 * Signatures are deterministic (EdDSA, no salt notation, dated by upstream's newest timestamp),
 * so that the same input republishes the same bytes.
 */
import { createHash } from 'node:crypto';
import { gzipBytes } from '../../compression/compression.js';
import { signDetached } from '../../pgp/detached.js';
import type { SigningKey } from '../../pgp/signing.js';
import type { GeneratedFile } from '../types.js';
import type { Repomd, RepomdData } from './format/repomd.js';
import { startTag, writeElement, type XmlElement } from './format/xml-records.js';
import { REPOMD } from './upstream.js';

const REPOMD_ASC = `${REPOMD}.asc`;
const REPOMD_KEY = `${REPOMD}.key`;

/** The types a partial mirror writes anew; the `_db`, `_zck` and delta variants are left out (they list every package). */
export const REWRITTEN = ['primary', 'filelists', 'other'] as const;

/** Whether a partial mirror keeps upstream's data of this type as it is (modules, comps, updateinfo). */
export function keptAsIs(type: string): boolean {
  return !(REWRITTEN as readonly string[]).includes(type) && !/(_db|_zck|_zstd|_xz)$|^(prestodelta|deltainfo)$/.test(type);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** When the metadata was made, for the signature's date: upstream's newest timestamp. */
export function repomdDate(repomd: Repomd): Date {
  let t = 0;
  for (const d of repomd.data) t = Math.max(t, d.timestamp ?? 0);
  if (!t && repomd.revision && /^\d+$/.test(repomd.revision)) t = Number(repomd.revision);
  return new Date(t * 1000);
}

/** The signature and key files, for repomd.xml's bytes. */
export async function signatureFiles(repomd: Uint8Array, key: SigningKey, date: Date): Promise<GeneratedFile[]> {
  const asc = await signDetached(repomd, key, date, { deterministic: true });
  return [
    { path: REPOMD_ASC, content: Buffer.from(asc, 'utf8') },
    { path: REPOMD_KEY, content: Buffer.from(key.publicArmored, 'utf8') },
  ];
}

export interface PartialInput {
  upstream: Repomd;
  /** The new documents: root element (attributes as upstream's) and the chosen records. */
  documents: Array<{ type: (typeof REWRITTEN)[number]; root: XmlElement; records: XmlElement[] }>;
  key: SigningKey;
}

function documentText(root: XmlElement, records: XmlElement[]): string {
  const attrs = { ...root.attrs, packages: String(records.length) };
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n${startTag(root.name, attrs)}\n`;
  for (const r of records) s += writeElement(r, 0);
  return `${s}</${root.name}>\n`;
}

function dataEntry(type: string, gz: Uint8Array, plain: Uint8Array, href: string, timestamp: number | undefined): string {
  const lines = [
    `  <data type="${type}">`,
    `    <checksum type="sha256">${sha256(gz)}</checksum>`,
    `    <open-checksum type="sha256">${sha256(plain)}</open-checksum>`,
    `    <location href="${href}"/>`,
    ...(timestamp !== undefined ? [`    <timestamp>${timestamp}</timestamp>`] : []),
    `    <size>${gz.length}</size>`,
    `    <open-size>${plain.length}</open-size>`,
    '  </data>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The metadata of a partial mirror: new data files, repomd.xml (last of the data), signature, key. */
export async function publishPartial(o: PartialInput): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [];
  const entries: string[] = [];
  for (const doc of o.documents) {
    const plain = Buffer.from(documentText(doc.root, doc.records), 'utf8');
    const gz = await gzipBytes(plain);
    const href = `repodata/${sha256(gz)}-${doc.type}.xml.gz`;
    out.push({ path: href, content: gz });
    entries.push(dataEntry(doc.type, gz, plain, href, o.upstream.data.find((d) => d.type === doc.type)?.timestamp));
  }
  const kept: RepomdData[] = o.upstream.data.filter((d) => keptAsIs(d.type));
  for (const d of kept) entries.push(writeElement(d.element, 1));
  const rootAttrs = Object.keys(o.upstream.rootAttrs).length ? o.upstream.rootAttrs : { xmlns: 'http://linux.duke.edu/metadata/repo', 'xmlns:rpm': 'http://linux.duke.edu/metadata/rpm' };
  const extras = o.upstream.extras.map((e) => writeElement(e, 1)).join('');
  const revision = o.upstream.revision !== undefined ? `  <revision>${o.upstream.revision.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</revision>\n` : '';
  const repomd = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${startTag('repomd', rootAttrs)}\n${revision}${extras}${entries.join('')}</repomd>\n`, 'utf8');
  out.push({ path: REPOMD, content: repomd });
  out.push(...(await signatureFiles(repomd, o.key, repomdDate(o.upstream))));
  return out;
}
