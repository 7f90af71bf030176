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
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import { FerryError } from '../../core/ferry-error.js';
import { resourceId } from '../../core/resource.js';
import type { Driver, GeneratedFile } from '../types.js';
import { resolvePypi, type PypiScratch, type PypiUpstream, type StoredBlob } from './resolve.js';
import { JSON_INDEX, projectHtml, projectJson, rootHtml, rootJson, type ServedProject } from './simple-pages.js';
import { metadataFromWheelFile } from './upstream.js';
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
    const id = resourceId(resource);
    const known = resolution.upstream?.metadata ?? {};
    const urls = new Map(resolution.files.map((f) => [f.path, f.url]));
    const metadata: Record<string, StoredBlob> = {};
    const out: GeneratedFile[] = [];
    const projects: ServedProject[] = [];
    const queue = new PQueue({ concurrency: 8 });
    for (const p of scratch.projects) {
      const files = await Promise.all(
        p.files.map((f) =>
          queue.add(async () => {
            // Sizes the index did not give: the blob's own (the sync step has downloaded it).
            const size = f.size > 0 ? f.size : (await stat(ctx.blobs.pathOf(f.sha256))).size;
            if (!f.filename.endsWith('.whl')) return { ...f, size };
            const path = `files/${p.normalized}/${f.filename}.metadata`;
            let m = known[f.sha256];
            if (m && (await ctx.blobs.has(m.sha256))) out.push({ path, content: new Uint8Array(0), stored: m });
            else {
              // Read from the downloaded wheel (PEP 658: the METADATA file of the wheel, as it is).
              const what = { resource: id, project: p.normalized, file: f.filename, url: urls.get(`files/${p.normalized}/${f.filename}`) ?? '' };
              const content = await metadataFromWheelFile(ctx, ctx.blobs.pathOf(f.sha256), what);
              m = { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
              out.push({ path, content });
            }
            metadata[f.sha256] = m;
            return { ...f, size, metadataSha256: m.sha256 };
          }),
        ),
      );
      const project = { ...p, files };
      projects.push(project);
      out.push({ path: `simple/${p.normalized}/index.html`, content: projectHtml(project) });
      out.push({ path: `simple/${p.normalized}/${JSON_INDEX}`, content: projectJson(project, order) });
    }
    out.push({ path: 'simple/index.html', content: rootHtml(projects) });
    out.push({ path: `simple/${JSON_INDEX}`, content: rootJson(projects) });
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const upstream: Partial<PypiUpstream> = { pages: {}, sources: {}, ...resolution.upstream, metadata: Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1))) };
    return { files: out, upstream };
  },
};
