/** The `deb` kind: Debian and Ubuntu archives, whole or partial, re-signed with the site key. */
import type { Kind } from '../kind.js';

export const debKind: Kind = {
  kind: 'deb',
  driver: async () => (await import('./driver.js')).debDriver,
};
