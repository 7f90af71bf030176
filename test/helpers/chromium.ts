/**
 * Debian's chromium, headless, as a real browser for the status page: loads a URL, runs its
 * scripts (for `budgetMs` of virtual time, so timers fire), and returns the DOM it ends with.
 * A fresh profile each time; no network beyond the URL (background services off). Needs
 * scripts/install-chromium.sh.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

export async function dumpDom(url: string, options: { budgetMs?: number } = {}): Promise<string> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root)`);
  const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));
  try {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
      ...(options.budgetMs ? [`--virtual-time-budget=${options.budgetMs}`] : []),
      '--dump-dom',
      url,
    ];
    const { stdout } = await run(CHROMIUM, args, { maxBuffer: 1 << 24, timeout: 90_000 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
