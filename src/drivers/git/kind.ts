/**
 * The `git` kind: Git repositories mirrored with git, each published as a bare repository that
 * is cloned over smart HTTP (git http-backend, as CGI: shallow and partial clones) or, from any
 * static server, dumb HTTP.
 */
import type { Kind } from '../kind.js';
import { gitMcp } from './mcp.js';
import { parseGitSpec, type GitRepository } from './git-spec.js';
import { gitSchema } from './schema.js';
import { gitSmartHttp } from './smart-http.js';

export const gitKind: Kind<GitRepository[]> = {
  kind: 'git',
  schema: gitSchema,
  parseSpec: (spec, ctx) => parseGitSpec(spec, ctx.resource),
  // The dumb-HTTP listings (info/refs, objects/info/packs, HEAD, objects/info/alternatives).
  contentTypes: { plainTextNames: [/^(?:refs|packs|HEAD|alternatives)$/] },
  serving: { cgi: [gitSmartHttp] },
  mcp: gitMcp,
  driver: async () => (await import('./driver.js')).gitDriver,
};
