/** The `git` kind: Git repositories mirrored over HTTP, served as static bare repositories. */
import type { Kind } from '../kind.js';

export const gitKind: Kind = {
  kind: 'git',
  driver: async () => (await import('./driver.js')).gitDriver,
};
