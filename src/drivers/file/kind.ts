/** The `file` kind: plain URLs with a sha256 given by the model (qcow2 images, tarballs). */
import type { Kind } from '../kind.js';

export const fileKind: Kind = {
  kind: 'file',
  driver: async () => (await import('./driver.js')).fileDriver,
};
