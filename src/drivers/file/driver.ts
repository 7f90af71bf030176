/**
 * The `file` kind: plain URLs such as qcow2 images and tarballs. Served under
 * `/file/<name>/<path>` plus a SHA256SUMS file that `sha256sum -c` accepts.
 *
 * How each file is verified, strongest first:
 *   sha256      every byte is checked against the model's digest while it streams.
 *   md5         (given, or read from `digest_url`, the checksum file upstream publishes next
 *               to the file) the file is fetched at resolve time, checked against it, and its
 *               sha256 recorded in the snapshot (upstream.pins).
 *   neither     trust on first use: the sha256 of the first download is recorded in the
 *               snapshot and required from then on; the plan lists such files.
 * A recorded sha256 stays as long as the file's URL and digest fields do (also on --refresh).
 */
import { posix } from 'node:path';
import { FerryError } from '../../core/ferry-error.js';
import { resourceId } from '../../core/resource.js';
import type { Driver, DriverContext, WantedFile } from '../types.js';
import { parseChecksumFile } from './checksum-file.js';
import { fetchUnpinned } from './first-fetch.js';

import type { FileEntry, FileSpec } from './spec.js';

/** What a file mirror keeps for its next refresh: the sha256 learnt for files the model gives none for. */
export interface FileUpstream {
  pins: Record<string, Pin>;
}

type FileContext = DriverContext<Partial<FileUpstream>>;

interface Pin {
  sha256: string;
  size?: number;
  /** How the sha256 was learnt: checked against an md5, or trusted on first use. */
  via: 'md5' | 'sha256-file' | 'first-use';
}

/** Pins are keyed by the fields that say what the file must be: a changed digest re-checks it. */
function pinKey(f: FileEntry): string {
  return JSON.stringify([f.url, f.md5 ?? null, f.digest_url ?? null]);
}

function previousPins(ctx: FileContext): Record<string, Pin> {
  const pins = ctx.previous?.upstream?.pins;
  return pins !== null && typeof pins === 'object' ? pins : {};
}

async function digestOf(f: FileEntry, ctx: FileContext, id: string): Promise<{ sha256?: string; md5?: string }> {
  if (f.sha256) return { sha256: f.sha256 };
  if (f.md5) return { md5: f.md5 };
  if (!f.digest_url) return {};
  const res = await ctx.fetcher.get(f.digest_url, { signal: ctx.signal, maxBytes: 1 << 20 });
  const name = posix.basename(new URL(f.url).pathname);
  const d = parseChecksumFile(res.body.toString('utf8'), name);
  if (!d) throw new FerryError('FERRY_BAD_INDEX', `${id}: ${f.digest_url} holds no md5 or sha256 for ${name}`, { resource: id, url: f.digest_url });
  return d.type === 'md5' ? { md5: d.hex } : { sha256: d.hex };
}

export const fileDriver: Driver<FileSpec, undefined, Partial<FileUpstream>> = {
  kind: 'file',

  async resolve(resource, spec, ctx) {
    const id = resourceId(resource);
    const old = previousPins(ctx);
    const pins: Record<string, Pin> = {};
    const files: WantedFile[] = await Promise.all(
      spec.files.map(async (f) => {
        // parseSpec checked the paths (safe, unique, not SHA256SUMS).
        const { path } = f;
        if (f.sha256) return { path, url: f.url, sha256: f.sha256, size: f.size };
        const key = pinKey(f);
        const pinned = old[key];
        if (pinned) {
          pins[key] = pinned;
          return { path, url: f.url, sha256: pinned.sha256, size: pinned.size };
        }
        const d = await digestOf(f, ctx, id);
        if (d.sha256) {
          pins[key] = { sha256: d.sha256, ...(f.size !== undefined ? { size: f.size } : {}), via: 'sha256-file' };
          return { path, url: f.url, sha256: d.sha256, size: f.size };
        }
        const got = await fetchUnpinned(f.url, d.md5, ctx, id);
        pins[key] = { ...got, via: d.md5 ? 'md5' : 'first-use' };
        if (!d.md5) ctx.logger.warn(`${id}: ${f.url} has no digest in the model: trusting its first download (sha256 ${got.sha256}, recorded in the snapshot)`, { resource: id, url: f.url });
        return { path, url: f.url, sha256: got.sha256, size: got.size };
      }),
    );
    return Object.keys(pins).length ? { files, upstream: { pins } } : { files };
  },

  async generate(_resource, _spec, resolution) {
    const lines = [...resolution.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.sha256}  ${f.path}\n`);
    return { files: [{ path: 'SHA256SUMS', content: new TextEncoder().encode(lines.join('')) }] };
  },
};
