/**
 * The `file` kind: plain URLs with a sha256 given by the model (qcow2 images, tarballs), served
 * under `/file/<name>/<path>` with a SHA256SUMS list.
 */
import type { Kind } from '../kind.js';
import { fileMcp } from './mcp.js';
import { fileSchema } from './schema.js';
import { parseFileSpec, withFileDefaults, type FileSpec } from './spec.js';

export const fileKind: Kind<FileSpec> = {
  kind: 'file',
  schema: fileSchema,
  withDefaults: withFileDefaults,
  parseSpec: parseFileSpec,
  trustOnFirstUse: (spec) => {
    const files = Array.isArray(spec.files) ? (spec.files as Array<Record<string, unknown>>) : [];
    return files.filter((f) => f.sha256 === undefined && f.md5 === undefined && f.digest_url === undefined).map((f) => String(f.path ?? f.url));
  },
  mcp: fileMcp,
  driver: async () => (await import('./driver.js')).fileDriver,
};
