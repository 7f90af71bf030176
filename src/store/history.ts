import { open, readFile, stat } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';
import type { HistoryEntry } from './types.js';
import { isCode } from './fs-util.js';

/**
 * Appends one JSON line to history.jsonl and fsyncs it. If a crash left the last line without
 * its newline, the new entry starts on a line of its own (the torn line is skipped on read).
 */
export async function appendHistory(path: string, entry: HistoryEntry): Promise<void> {
  const size = await stat(path).then((s) => s.size, (e: unknown) => {
    if (isCode(e, 'ENOENT')) return 0;
    throw e;
  });
  const fh = await open(path, 'a+');
  try {
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await fh.write(`${prefix}${JSON.stringify(entry)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Every publish, oldest first. Lines that do not parse (a torn write) are skipped with a warning. */
export async function readHistory(path: string, logger?: Logger): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isCode(e, 'ENOENT')) return [];
    throw e;
  }
  const out: HistoryEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v = JSON.parse(line) as HistoryEntry;
      if (typeof v.snapshot === 'string') out.push(v);
      else throw new Error('no snapshot field');
    } catch {
      logger?.warn('skipping an unreadable history line', { file: path, line: i + 1 });
    }
  });
  return out;
}
