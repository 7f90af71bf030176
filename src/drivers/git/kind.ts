/**
 * The `git` kind: Git repositories mirrored with git, each published as a bare repository that
 * is cloned over smart HTTP (git http-backend, as CGI: shallow and partial clones) or, from any
 * static server, dumb HTTP.
 */
import type { Kind } from '../kind.js';
import { gitSmartHttp } from './smart-http.js';

export const gitKind: Kind = {
  kind: 'git',
  serving: { cgi: [gitSmartHttp] },
  driver: async () => (await import('./driver.js')).gitDriver,
};
