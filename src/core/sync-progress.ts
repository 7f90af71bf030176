/**
 * Download progress of a sync, per mirror and in total: files and bytes done and to do, the
 * rate (bytes per second over the last few seconds, so a stall shows at once) and an ETA.
 * Pure bookkeeping: time arrives as an argument, nothing is printed here. The pipeline feeds
 * it through the SyncProgress interface; `/status`, `ferry status`, the CLI bar and the log
 * lines read `view()`.
 */

/** What the sync step reports, as it happens. `resource` is `kind/name` (absent: unattributed). */
export interface SyncProgress {
  /** Files and bytes this resource must download (called once per resource before downloads start). */
  add(totalBytes: number, files: number, resource?: string): void;
  /** More bytes arrived. */
  tick(bytes: number, resource?: string): void;
  /** One file is done (verified and kept). */
  fileDone(resource?: string): void;
}

export interface ProgressView {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the rate window; 0 before two samples. */
  rate: number;
  /** Seconds left at the current rate; undefined while the rate is unknown or zero. */
  etaSeconds?: number;
  startedAt: string;
}

interface Counter {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  startedAt: number;
  /** (time, bytesDone) samples, oldest first, one per `sampleMs` at most. */
  samples: Array<[number, number]>;
}

export interface ProgressTrackerOptions {
  now?: () => number;
  /** The rate is measured over this window (ms, default 5000). */
  windowMs?: number;
}

export class ProgressTracker implements SyncProgress {
  private readonly counters = new Map<string, Counter>();
  private readonly total: Counter;
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(options: ProgressTrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 5000;
    this.total = this.fresh();
  }

  private fresh(): Counter {
    const t = this.now();
    return { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, startedAt: t, samples: [[t, 0]] };
  }

  private counter(resource: string | undefined): Counter | undefined {
    if (resource === undefined) return undefined;
    let c = this.counters.get(resource);
    if (!c) {
      c = this.fresh();
      this.counters.set(resource, c);
    }
    return c;
  }

  private sample(c: Counter): void {
    const t = this.now();
    const last = c.samples[c.samples.length - 1];
    if (t - last[0] < 250) {
      if (c.samples.length > 1) last[1] = c.bytesDone;
      else c.samples.push([t, c.bytesDone]);
    } else {
      c.samples.push([t, c.bytesDone]);
    }
    while (c.samples.length > 2 && t - c.samples[1][0] > this.windowMs) c.samples.shift();
  }

  add(totalBytes: number, files: number, resource?: string): void {
    for (const c of [this.total, this.counter(resource)]) {
      if (!c) continue;
      c.bytesTotal += totalBytes;
      c.filesTotal += files;
    }
  }

  tick(bytes: number, resource?: string): void {
    for (const c of [this.total, this.counter(resource)]) {
      if (!c) continue;
      c.bytesDone += bytes;
      this.sample(c);
    }
  }

  fileDone(resource?: string): void {
    for (const c of [this.total, this.counter(resource)]) if (c) c.filesDone++;
  }

  /** The resources that have something to download, by id. */
  resources(): string[] {
    return [...this.counters.keys()].sort();
  }

  /** The totals (no argument) or one resource's progress; undefined for a resource never reported. */
  view(resource?: string): ProgressView | undefined {
    const c = resource === undefined ? this.total : this.counters.get(resource);
    if (!c) return undefined;
    const t = this.now();
    const first = c.samples[0];
    const span = t - first[0];
    // The window's rate; a window with no bytes in it yet still counts its time (a stall shows as 0).
    const rate = span > 0 ? ((c.bytesDone - first[1]) * 1000) / span : 0;
    const left = Math.max(0, c.bytesTotal - c.bytesDone);
    return {
      filesDone: c.filesDone,
      filesTotal: c.filesTotal,
      bytesDone: c.bytesDone,
      bytesTotal: c.bytesTotal,
      rate: Math.round(rate),
      etaSeconds: left === 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : undefined,
      startedAt: new Date(c.startedAt).toISOString(),
    };
  }
}

/** `1h02m`, `3m05s`, `42s`: a short duration for bars and tables. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `1.5 MiB` and friends (binary units), for progress lines. */
export function formatSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** One line for logs without a terminal: `12/50 files, 3.1 MiB/9.8 MiB, 1.2 MiB/s, ETA 6s`. */
export function progressLine(v: ProgressView): string {
  return `${v.filesDone}/${v.filesTotal} files, ${formatSize(v.bytesDone)}/${formatSize(v.bytesTotal)}, ${formatSize(v.rate)}/s, ETA ${formatEta(v.etaSeconds)}`;
}
