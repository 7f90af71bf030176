/**
 * A byte-counting progress bar for long local copies (export, import): done/total, rate and
 * ETA on a TTY (cli-progress, loaded on first use); on anything else a line every 5 seconds.
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import { formatBytes } from '../plan/format-plan.js';

export interface ByteProgress {
  start(total: number): void;
  tick(bytes: number): void;
  stop(): void;
}

export function createByteProgress(label: string, tty = process.stderr.isTTY === true): ByteProgress {
  let total = 0;
  let done = 0;
  let started = 0;
  let bar: CliProgress.SingleBar | undefined;
  let timer: NodeJS.Timeout | undefined;
  const rate = () => done / Math.max(0.001, (Date.now() - started) / 1000);
  const eta = () => (done > 0 && total > done ? `${Math.ceil((total - done) / rate())} s` : '-');
  const fields = () => ({ doneHuman: formatBytes(done), totalHuman: formatBytes(total), rate: `${formatBytes(rate())}/s`, etaText: eta() });
  return {
    start(bytes) {
      total = bytes;
      started = Date.now();
      if (total === 0) return;
      if (tty) {
        const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
        bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${label} [{bar}] {percentage}% {doneHuman}/{totalHuman} {rate} ETA {etaText}`, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total, 0, fields());
      } else {
        timer = setInterval(() => process.stderr.write(`${label}: ${fields().doneHuman} of ${fields().totalHuman} (${fields().rate}, ETA ${fields().etaText})\n`), 5000);
        timer.unref();
      }
    },
    tick(bytes) {
      done += bytes;
      bar?.update(done, fields());
    },
    stop() {
      bar?.stop();
      if (timer) clearInterval(timer);
    },
  };
}
