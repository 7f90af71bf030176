/**
 * Source package stanzas of a Sources index (Debian Policy §5.5 "Source package control files";
 * the archive's Sources index adds `Directory` and `Checksums-Sha256`, whose lines are
 * `sha256 size name` of each file of the source package). Pure; no I/O.
 */
import type { StanzaField } from './control.js';
import { PackageFieldError } from './package.js';

export interface SourceFile {
  name: string;
  size: number;
  sha256: string;
}

export interface DebSource {
  name: string;
  version: string;
  directory: string;
  files: SourceFile[];
  mirror: string;
  suite: string;
  component: string;
  index: string;
  /** Position of the stanza in its index. */
  ordinal: number;
}

export function toSource(fields: StanzaField[], origin: Omit<DebSource, 'name' | 'version' | 'directory' | 'files'>): DebSource {
  const f = new Map<string, string>();
  for (const x of fields) f.set(x.name.toLowerCase(), x.value);
  const name = f.get('package');
  if (!name) throw new PackageFieldError('missing Package field', 'Package');
  const version = f.get('version');
  if (!version) throw new PackageFieldError(`${name}: missing Version field`, 'Version');
  const directory = f.get('directory');
  if (!directory) throw new PackageFieldError(`${name}: missing Directory field`, 'Directory');
  const sums = f.get('checksums-sha256');
  if (!sums) throw new PackageFieldError(`${name}: missing Checksums-Sha256 field`, 'Checksums-Sha256');
  const files: SourceFile[] = [];
  for (const line of sums.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const m = /^([0-9a-fA-F]{64})\s+([0-9]+)\s+(\S+)$/.exec(t);
    if (!m) throw new PackageFieldError(`${name}: malformed Checksums-Sha256 line ${JSON.stringify(t)}`, 'Checksums-Sha256');
    files.push({ sha256: m[1].toLowerCase(), size: Number(m[2]), name: m[3] });
  }
  return { name, version, directory, files, ...origin };
}
