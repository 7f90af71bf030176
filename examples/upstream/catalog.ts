/**
 * What the example's local upstream serves: deterministic files (the same bytes on every
 * machine, so the model can carry their sha256) under /files/, and later other kinds. The
 * bytes of a file are sha256(name:i) for i = 0, 1, 2, … cut to its size.
 */
import { createHash } from 'node:crypto';

export interface CatalogFile {
  /** Path on the upstream server below /files/. */
  path: string;
  size: number;
}

export const CATALOG_FILES: CatalogFile[] = [
  { path: 'cirros/0.6.2/cirros-0.6.2-x86_64-disk.img', size: 2 * 1024 * 1024 },
  { path: 'cirros/0.6.3/cirros-0.6.3-x86_64-disk.img', size: 2 * 1024 * 1024 + 123 },
  { path: 'ubuntu/jammy/jammy-server-cloudimg-amd64.img', size: 3 * 1024 * 1024 },
  { path: 'octavia/amphora-x64-haproxy.qcow2', size: 1536 * 1024 },
  { path: 'tools/kubectl-1.29.4-linux-amd64.tar.gz', size: 700 * 1024 + 7 },
];

export function catalogBytes(path: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0, off = 0; off < size; i++, off += 32) {
    createHash('sha256').update(`${path}:${i}`).digest().copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

export function catalogSha256(path: string, size: number): string {
  return createHash('sha256').update(catalogBytes(path, size)).digest('hex');
}
