import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { sha256Hex } from '../../../src/core/hash.js';
import type { StateStore } from '../../../src/store/state-store.js';
import type { ManifestFile } from '../../../src/store/types.js';

/**
 * `count` small generated files spread over 50 folders (deterministic); with `distinct` they
 * share that many contents (many links, few blobs to write: writing files is the slow part).
 */
export function generatedFiles(count: number, options: { distinct?: number } = {}): (ManifestFile & { content: string })[] {
  return Array.from({ length: count }, (_, i) => {
    const content = `blob ${i % (options.distinct ?? count)}\n`;
    return { path: `d${i % 50}/f${i}.txt`, content, sha256: sha256Hex(content), size: Buffer.byteLength(content) };
  });
}

/** Writes blobs straight to their digest paths without fsync: a fast fixture, not the store's write path. */
export function writeBlobsFast(store: StateStore, files: { content: string; sha256: string }[]): void {
  const done = new Set<string>();
  for (const f of files) {
    if (done.has(f.sha256)) continue;
    done.add(f.sha256);
    writeFileSync(store.blobs.pathOf(f.sha256), f.content, { mode: 0o444 });
  }
}

/** Distinct contents in the crash test's big snapshot. */
export const CRASH_BLOBS = 16;

const childScript = fileURLToPath(new URL('./store-child.ts', import.meta.url));

/** Starts store-child.ts in a new process; `line` resolves with the first stdout line matching. */
export function startChild(args: string[]): { child: ChildProcess; line: (re: RegExp) => Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((x) => x.re.test(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const line = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return resolve(seen);
      waiters.push({ re, resolve });
      void exited.then((code) => reject(new Error(`child exited (${code}) before printing ${re}`)));
    });
  return { child, line, exited };
}
