/**
 * A download progress bar on a TTY (cli-progress), nothing otherwise. Fed by the sync step's
 * byte counters. cli-progress is loaded when a bar is first drawn (a run with nothing to fetch
 * never loads it).
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import { formatBytes } from '../plan/format-plan.js';

export interface ProgressSink {
  add(totalBytes: number, files: number): void;
  tick(bytes: number): void;
  fileDone(): void;
  stop(): void;
}

export function createProgress(enabled = process.stderr.isTTY === true): ProgressSink | undefined {
  if (!enabled) return undefined;
  let bar: CliProgress.SingleBar | undefined;
  let value = 0;
  let filesDone = 0;
  let filesTotal = 0;
  return {
    add(totalBytes, files) {
      if (files === 0) return;
      filesTotal = files;
      const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'fetch [{bar}] {percentage}% {done}/{totalHuman} {files} files {speed}',
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(totalBytes, 1), 0, { done: formatBytes(0), totalHuman: formatBytes(totalBytes), files: `0/${files}`, speed: '' });
    },
    tick(bytes) {
      value += bytes;
      bar?.update(value, { done: formatBytes(value), files: `${filesDone}/${filesTotal}` });
    },
    fileDone() {
      filesDone++;
      bar?.update(value, { files: `${filesDone}/${filesTotal}` });
    },
    stop() {
      bar?.stop();
    },
  };
}
