/**
 * The `pypi` kind's driver: a PyPI-style index mirrored for pip. resolve.ts decides the files;
 * generate writes what pip reads, under `/pypi/<name>/`:
 *
 *   simple/index.html, simple/index.pypi-json                the project list
 *   simple/<project>/index.html, .../index.pypi-json         a project's files (PEP 503 / PEP 691)
 *   files/<project>/<file>                                   the distributions, as upstream hashed them
 *   files/<project>/<file>.metadata                          a wheel's core metadata (PEP 658/714)
 *
 * `ferry serve` and the nginx configuration answer a folder with its JSON page when the request's
 * Accept prefers `application/vnd.pypi.simple.v1+json`, else with index.html (serving hook,
 * Kind.serving.indexes). Yanked files stay, marked yanked (PEP 592).
 */
import { stat } from 'node:fs/promises';
import { FerryError } from '../../core/ferry-error.js';
import { resourceId } from '../../core/resource.js';
import type { Driver, GeneratedFile } from '../types.js';
import { resolvePypi, type PypiScratch, type PypiUpstream } from './resolve.js';
import { JSON_INDEX, projectHtml, projectJson, rootHtml, rootJson } from './simple-pages.js';
import type { PypiSpec } from './spec.js';
import { compareVersions, version } from './version.js';

const order = (a: string, b: string) => compareVersions(version(a), version(b));

export const pypiDriver: Driver<PypiSpec, PypiScratch, Partial<PypiUpstream>> = {
  kind: 'pypi',

  async resolve(resource, spec, ctx) {
    return resolvePypi(resource, spec, ctx);
  },

  async generate(resource, spec, resolution, ctx) {
    const scratch = resolution.scratch ?? (await resolvePypi(resource, spec, { ...ctx, previous: undefined })).scratch;
    if (!scratch) throw new FerryError('FERRY_INTERNAL', `${resourceId(resource)}: resolve gave generate nothing to work with`, { resource: resourceId(resource) });
    const metadata = resolution.upstream?.metadata ?? {};
    const out: GeneratedFile[] = [];
    const projects = [];
    for (const p of scratch.projects) {
      // Sizes the index did not give: the blob's own (the sync step has downloaded it).
      const files = await Promise.all(p.files.map(async (f) => (f.size > 0 ? f : { ...f, size: (await stat(ctx.blobs.pathOf(f.sha256))).size })));
      const project = { ...p, files };
      projects.push(project);
      out.push({ path: `simple/${p.normalized}/index.html`, content: projectHtml(project) });
      out.push({ path: `simple/${p.normalized}/${JSON_INDEX}`, content: projectJson(project, order) });
      for (const f of files) {
        const m = metadata[f.sha256];
        if (m && f.metadataSha256) out.push({ path: `files/${p.normalized}/${f.filename}.metadata`, content: new Uint8Array(0), stored: m });
      }
    }
    out.push({ path: 'simple/index.html', content: rootHtml(projects) });
    out.push({ path: `simple/${JSON_INDEX}`, content: rootJson(projects) });
    return { files: out };
  },
};
