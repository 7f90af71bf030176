import { describe, expect, it } from '@jest/globals';
import { resolveMirrors } from '../../../src/controller/http/control-handler.js';
import { renderStatusPage } from '../../../src/controller/http/status-page.js';
import { StatusBoard } from '../../../src/controller/status/status-board.js';
import { ProgressTracker } from '../../../src/core/sync-progress.js';
import { formatStatus } from '../../../src/cli/format-status.js';
import type { SnapshotManifest } from '../../../src/store/types.js';

const manifest: SnapshotManifest = {
  id: '20261204T100000Z-abcdef01',
  createdAt: '2026-12-04T10:00:00Z',
  commit: 'c'.repeat(40),
  desiredHash: 'h',
  site: { name: 'lab', retention: 3 },
  resources: [
    { kind: 'deb', name: 'debian', hash: 'x', root: 'deb/debian', files: [{ path: 'pool/a.deb', sha256: 'f', size: 2048 }] },
    { kind: 'file', name: 'images', hash: 'y', root: 'file/images', files: [{ path: 'a.img', sha256: 'g', size: 10 }] },
  ],
};

function board(now: number) {
  const b = new StatusBoard({ kind: 'git' }, () => undefined, () => now);
  b.setPublished(manifest);
  b.observeMirrors([
    { id: 'deb/debian', outcome: 'unchanged', refreshed: true, refresh: '5m' },
    { id: 'file/images', outcome: 'failed', refreshed: true, error: { code: 'FERRY_HTTP_STATUS', message: 'http://up/a.img: 503 <Service Unavailable>', errorClass: 'retryable' } },
  ], now - 60_000);
  return b;
}

describe('status page and table', () => {
  it('shows each mirror with its condition, the failure escaped, and a progress bar while syncing', () => {
    const now = Date.parse('2026-12-04T10:05:00Z');
    const b = board(now);
    const tracker = new ProgressTracker({ now: () => now });
    tracker.add(4096, 4, 'deb/debian');
    tracker.tick(1024, 'deb/debian');
    tracker.fileDone('deb/debian');
    b.setSync(tracker, ['deb/debian']);
    const status = b.snapshot();
    const html = renderStatusPage({ status, snapshots: [{ id: manifest.id, createdAt: manifest.createdAt, commit: manifest.commit, files: 2, bytes: 2058, cause: 'refresh', changed: [{ mirror: 'deb/debian', upstream: 'Release bookworm 0123abcd' }] }], events: [{ time: '2026-12-04T10:04:00Z', type: 'MirrorFailed', message: 'file/images: 503' }], now });
    expect(html).toMatch(/<tr data-mirror="deb\/debian" data-condition="Fetching" data-reason="Downloading">/);
    expect(html).toMatch(/data-progress="deb\/debian" data-percent="25"/);
    expect(html).toMatch(/<tr data-mirror="file\/images" data-condition="Failed" data-reason="UpstreamUnavailable">/);
    expect(html).toContain('503 &lt;Service Unavailable&gt;');
    expect(html).not.toContain('<Service');
    expect(html).toMatch(/data-snapshot="20261204T100000Z-abcdef01" data-served="true"/);
    expect(html).toContain('Release bookworm 0123abcd');
    expect(html).toContain('<li data-event="MirrorFailed">');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);

    const table = formatStatus(status, now);
    expect(table).toMatch(/^deb\/debian\s+Fetching\s+Downloading\s.*25% 1\/4 files/m);
    expect(table).toMatch(/^file\/images\s+Failed\s+UpstreamUnavailable\s.*503 <Service Unavailable>/m);
  });

  it('resolves mirror names as typed', () => {
    const ids = ['deb/debian', 'file/images', 'git/debian'];
    expect(resolveMirrors(['images'], ids)).toEqual({ ids: ['file/images'] });
    expect(resolveMirrors(['debian'], ids)).toEqual({ ids: ['deb/debian', 'git/debian'] });
    expect(resolveMirrors(['deb/debian', 'nope'], ids)).toEqual({ unknown: ['nope'] });
  });
});
