/**
 * The `file` kind: plain URLs with a sha256 (and optionally a size) given by the model, such as
 * qcow2 images and tarballs. The model is the signed index here: every byte is checked against
 * the digest it names. Served under `/file/<name>/<path>` plus a SHA256SUMS file that
 * `sha256sum -c` accepts.
 */
import { safeRelativePath } from '../../core/safe-path.js';
import { FerryError } from '../../core/ferry-error.js';
import { resourceId, type Resource } from '../../core/resource.js';
import type { Driver, GeneratedFile, Resolution, WantedFile } from '../types.js';

interface FileSpec {
  files: Array<{ url: string; sha256: string; size?: number; path: string }>;
}

export const fileDriver: Driver = {
  kind: 'file',

  async resolve(resource: Resource): Promise<Resolution> {
    const spec = resource.spec as unknown as FileSpec;
    const seen = new Map<string, string>();
    const files: WantedFile[] = spec.files.map((f) => {
      const path = safeRelativePath(f.path, { resource: resourceId(resource), url: f.url });
      if (path === 'SHA256SUMS') throw new FerryError('FERRY_INVALID_MODEL', `${resourceId(resource)}: the path SHA256SUMS is reserved for the generated checksum list`, { resource: resourceId(resource) });
      const other = seen.get(path);
      if (other) throw new FerryError('FERRY_INVALID_MODEL', `${resourceId(resource)}: two files are published at ${path} (${other} and ${f.url}); give one a different path`, { resource: resourceId(resource), path });
      seen.set(path, f.url);
      return { path, url: f.url, sha256: f.sha256, size: f.size };
    });
    return { files };
  },

  async generate(_resource: Resource, resolution: Resolution): Promise<GeneratedFile[]> {
    const lines = [...resolution.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.sha256}  ${f.path}\n`);
    return [{ path: 'SHA256SUMS', content: new TextEncoder().encode(lines.join('')) }];
  },
};
