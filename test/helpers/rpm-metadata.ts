/**
 * Builders of createrepo-shaped repodata for unit tests (test/e2e builds real ones with rpmbuild
 * and createrepo_c): primary.xml, filelists.xml and repomd.xml text from package descriptions.
 */
import { createHash } from 'node:crypto';

export interface PkgDef {
  name: string;
  version?: string;
  release?: string;
  epoch?: string;
  arch?: string;
  /** `name`, `name >= 1.0-1`, or a rich dependency `(a or b)`. */
  requires?: string[];
  provides?: string[];
  obsoletes?: string[];
  recommends?: string[];
  supplements?: string[];
  /** Files primary lists. */
  files?: string[];
  /** Files only filelists lists. */
  moreFiles?: string[];
  href?: string;
  description?: string;
}

const FLAGS: Record<string, string> = { '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function entry(text: string): string {
  if (text.startsWith('(')) return `<rpm:entry name="${esc(text)}"/>`;
  const m = /^(\S+)\s*(<=|>=|=|<|>)\s*(?:(\d+):)?([^-\s]+)(?:-(\S+))?$/.exec(text);
  if (!m) return `<rpm:entry name="${esc(text)}"/>`;
  return `<rpm:entry name="${esc(m[1])}" flags="${FLAGS[m[2]]}" epoch="${m[3] ?? '0'}" ver="${esc(m[4])}"${m[5] ? ` rel="${esc(m[5])}"` : ''}/>`;
}

const pkgidOf = (p: PkgDef) => createHash('sha256').update(`${p.name}-${p.version ?? '1.0'}-${p.release ?? '1'}.${p.arch ?? 'x86_64'}`).digest('hex');
const hrefOf = (p: PkgDef) => p.href ?? `Packages/${p.name}-${p.version ?? '1.0'}-${p.release ?? '1'}.${p.arch ?? 'x86_64'}.rpm`;

function deps(tag: string, list: string[] | undefined): string {
  if (!list?.length) return '';
  return `    <rpm:${tag}>\n${list.map((r) => `      ${entry(r)}\n`).join('')}    </rpm:${tag}>\n`;
}

export function primaryXml(pkgs: PkgDef[]): string {
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${pkgs.length}">\n`;
  for (const p of pkgs) {
    const v = { e: p.epoch ?? '0', v: p.version ?? '1.0', r: p.release ?? '1' };
    s += `<package type="rpm">
  <name>${esc(p.name)}</name>
  <arch>${p.arch ?? 'x86_64'}</arch>
  <version epoch="${v.e}" ver="${esc(v.v)}" rel="${esc(v.r)}"/>
  <checksum type="sha256" pkgid="YES">${pkgidOf(p)}</checksum>
  <summary>${esc(p.name)}</summary>
  <description>${esc(p.description ?? `The ${p.name} package`)}</description>
  <packager></packager>
  <url></url>
  <time file="1700000000" build="1700000000"/>
  <size package="1000" installed="2000" archive="1500"/>
  <location href="${esc(hrefOf(p))}"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:sourcerpm>${esc(p.name)}-${v.v}-${v.r}.src.rpm</rpm:sourcerpm>
${deps('provides', [`${p.name} = ${v.e}:${v.v}-${v.r}`, ...(p.provides ?? [])])}${deps('requires', p.requires)}${deps('obsoletes', p.obsoletes)}${deps('recommends', p.recommends)}${deps('supplements', p.supplements)}${(p.files ?? []).map((f) => `    <file>${esc(f)}</file>\n`).join('')}  </format>
</package>
`;
  }
  return `${s}</metadata>\n`;
}
