/**
 * Download progress for the CLI, fed by the sync step's counters (a ProgressTracker): on a
 * terminal, a bar (cli-progress) with files, bytes, rate and ETA; without one, a progress line
 * in the log every few seconds (FERRY_PROGRESS_INTERVAL seconds, default 5), so that a run
 * under systemd or CI shows it is moving. cli-progress is loaded when a bar is first drawn
 * (a run with nothing to fetch never loads it).
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type { Logger } from '../core/logger.js';
import { formatEta, formatSize, ProgressTracker, progressLine, type SyncProgress } from '../core/sync-progress.js';

export interface ProgressSink extends SyncProgress {
  stop(): void;
}

export interface ProgressOptions {
  /** Draw a bar (default: stderr is a terminal). */
  tty?: boolean;
  /** Without a terminal: where the progress lines go. */
  logger?: Logger;
  intervalMs?: number;
  tracker?: ProgressTracker;
}

export function createProgress(options: ProgressOptions = {}): ProgressSink | undefined {
  const tty = options.tty ?? process.stderr.isTTY === true;
  const tracker = options.tracker ?? new ProgressTracker();
  if (!tty) return options.logger ? logLines(tracker, options.logger, options.intervalMs ?? Number(process.env.FERRY_PROGRESS_INTERVAL ?? 5) * 1000) : undefined;
  let bar: CliProgress.SingleBar | undefined;
  const payload = () => {
    const v = tracker.view()!;
    return { done: formatSize(v.bytesDone), totalHuman: formatSize(v.bytesTotal), files: `${v.filesDone}/${v.filesTotal}`, speed: `${formatSize(v.rate)}/s`, eta: formatEta(v.etaSeconds) };
  };
  const redraw = () => bar?.update(tracker.view()!.bytesDone, payload());
  return {
    add(totalBytes, files, resource) {
      tracker.add(totalBytes, files, resource);
      if (files === 0) return;
      const v = tracker.view()!;
      if (!bar) {
        const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: 'fetch [{bar}] {percentage}% {done}/{totalHuman} {files} files {speed} ETA {eta}', hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(v.bytesTotal, 1), 0, payload());
      } else {
        bar.setTotal(Math.max(v.bytesTotal, 1));
        redraw();
      }
    },
    tick(bytes, resource) {
      tracker.tick(bytes, resource);
      redraw();
    },
    fileDone(resource) {
      tracker.fileDone(resource);
      redraw();
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Without a terminal: one log line every `intervalMs` while files are left to download. */
function logLines(tracker: ProgressTracker, logger: Logger, intervalMs: number): ProgressSink {
  let timer: NodeJS.Timeout | undefined;
  return {
    add(totalBytes, files, resource) {
      tracker.add(totalBytes, files, resource);
      if (timer || files === 0) return;
      timer = setInterval(() => {
        const v = tracker.view()!;
        if (v.filesDone < v.filesTotal) logger.info(`progress: ${progressLine(v)}`, { ...v });
      }, intervalMs);
      timer.unref();
    },
    tick: (bytes, resource) => tracker.tick(bytes, resource),
    fileDone: (resource) => tracker.fileDone(resource),
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
