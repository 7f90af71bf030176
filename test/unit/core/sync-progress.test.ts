import { describe, expect, it } from '@jest/globals';
import { formatEta, ProgressTracker, progressLine } from '../../../src/core/sync-progress.js';

describe('sync progress', () => {
  it('counts per mirror and in total, with a rate over the window and an ETA', () => {
    let now = 0;
    const p = new ProgressTracker({ now: () => now, windowMs: 5000 });
    p.add(10_000, 10, 'deb/a');
    p.add(1000, 1, 'file/b');
    expect(p.view()).toMatchObject({ filesTotal: 11, bytesTotal: 11_000, bytesDone: 0, rate: 0, etaSeconds: undefined });
    for (let i = 1; i <= 4; i++) {
      now = i * 1000;
      p.tick(1000, 'deb/a');
      p.fileDone('deb/a');
    }
    expect(p.view('deb/a')).toMatchObject({ filesDone: 4, filesTotal: 10, bytesDone: 4000, rate: 1000, etaSeconds: 6 });
    expect(p.view('file/b')).toMatchObject({ filesDone: 0, bytesDone: 0, rate: 0, etaSeconds: undefined });
    expect(p.view()).toMatchObject({ filesDone: 4, bytesDone: 4000, rate: 1000, etaSeconds: 7 });
    expect(p.resources()).toEqual(['deb/a', 'file/b']);
    // A stall shows: no bytes for 10 s, the rate over the window falls.
    now = 14_000;
    expect(p.view('deb/a')!.rate).toBeLessThan(300);
    expect(p.view('nothing')).toBeUndefined();
  });

  it('formats lines for logs', () => {
    expect(formatEta(undefined)).toBe('--');
    expect(formatEta(42)).toBe('42s');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(3720)).toBe('1h02m');
    expect(progressLine({ filesDone: 3, filesTotal: 50, bytesDone: 3 * 1024 * 1024, bytesTotal: 10 * 1024 * 1024, rate: 1024 * 1024, etaSeconds: 7, startedAt: '' })).toBe('3/50 files, 3.0 MiB/10.0 MiB, 1.0 MiB/s, ETA 7s');
  });
});
