import { hostname } from 'node:os';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../core/ferry-error.js';
import type { Logger } from '../core/logger.js';
import type { LockHandle } from './types.js';
import { isCode, tempSuffix } from './fs-util.js';

/** What the lock file says about its holder. */
export interface LockInfo {
  pid: number;
  hostname: string;
  purpose: string;
  since: string;
  /** Process start time (Linux /proc/<pid>/stat field 22), to tell a reused pid apart. */
  start?: string;
  token: string;
}

export interface LockOptions {
  wait?: boolean;
  signal?: AbortSignal;
  purpose?: string;
  /** Poll interval while waiting, ms. */
  pollMs?: number;
  logger?: Logger;
}

/** A takeover guard older than this is left over from a crash and may be removed. */
const GUARD_STALE_MS = 10_000;

/**
 * One writer per state directory. The lock file `<state>/lock` appears atomically with its
 * content (written to a temp name, then link(2), which fails if the lock exists). A holder
 * that is alive (same host, pid alive, same process start time) wins; a second caller fails at
 * once with FERRY_LOCKED naming the holder's pid and purpose, or polls with `wait`. A lock
 * whose process is dead is stale: it is removed under a short takeover guard
 * (`lock.takeover`, O_EXCL) after re-reading that it is still the same stale lock.
 */
export async function acquireLock(stateRoot: string, options: LockOptions = {}): Promise<LockHandle & { info: LockInfo }> {
  const lockPath = join(stateRoot, 'lock');
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    purpose: options.purpose ?? 'write',
    since: new Date().toISOString(),
    start: await processStart(process.pid),
    token: tempSuffix(),
  };
  const body = `${JSON.stringify(info)}\n`;
  const tmp = join(stateRoot, `.lock-${info.token}`);
  await writeFile(tmp, body, { flag: 'wx' });
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        await link(tmp, lockPath);
        break;
      } catch (e) {
        if (!isCode(e, 'EEXIST')) throw e;
      }
      const raw = await readOrEmpty(lockPath);
      if (raw === undefined) continue; // released meanwhile
      const holder = parseLock(raw);
      if (holder && !(await isAlive(holder))) {
        options.logger?.warn('taking over a stale store lock', { pid: holder.pid, purpose: holder.purpose, since: holder.since });
        await removeStale(stateRoot, lockPath, raw);
        continue;
      }
      if (!options.wait) {
        const elsewhere = holder && holder.hostname !== info.hostname ? ` on host ${holder.hostname}` : '';
        const who = holder ? `pid ${holder.pid}${elsewhere} (${holder.purpose}, since ${holder.since})` : 'an unreadable lock file';
        const hint = holder && !elsewhere ? 'wait for it (--wait) or stop it' : `if no writer runs, remove ${lockPath}`;
        throw new FerryError('FERRY_LOCKED', `state directory ${stateRoot} is locked by ${who}: ${hint}`, {
          path: lockPath,
          pid: holder?.pid,
          purpose: holder?.purpose,
          holderHost: holder?.hostname,
          since: holder?.since,
        });
      }
      await sleep(options.pollMs ?? 100, undefined, { signal: options.signal });
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  let released = false;
  return {
    info,
    async release() {
      if (released) return;
      released = true;
      const raw = await readOrEmpty(lockPath);
      if (raw !== undefined && parseLock(raw)?.token === info.token) await unlink(lockPath).catch(() => undefined);
    },
  };
}

/** Reads who holds the lock, if anyone (for status and messages). */
async function readLock(stateRoot: string): Promise<LockInfo | undefined> {
  const raw = await readOrEmpty(join(stateRoot, 'lock'));
  return raw === undefined ? undefined : parseLock(raw);
}

/** True while the lock file still carries this token (the holder has not lost it). */
export async function lockHeldBy(stateRoot: string, token: string): Promise<boolean> {
  return (await readLock(stateRoot))?.token === token;
}

async function removeStale(stateRoot: string, lockPath: string, staleRaw: string): Promise<void> {
  const guard = join(stateRoot, 'lock.takeover');
  try {
    const fh = await open(guard, 'wx');
    await fh.close();
  } catch (e) {
    if (!isCode(e, 'EEXIST')) throw e;
    // Someone else is taking over; a guard left by a crash is removed once it is old.
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    else await sleep(20);
    return;
  }
  try {
    if ((await readOrEmpty(lockPath)) === staleRaw) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.token === 'string') {
      return { pid: v.pid, hostname: String(v.hostname ?? ''), purpose: String(v.purpose ?? ''), since: String(v.since ?? ''), start: v.start, token: v.token };
    }
  } catch {
    // fall through: an unreadable lock is treated as held (never guess it away)
  }
  return undefined;
}

async function isAlive(holder: LockInfo): Promise<boolean> {
  if (holder.hostname !== hostname()) return true; // cannot tell for another host: assume alive
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if (isCode(e, 'ESRCH')) return false;
    // EPERM: alive, owned by someone else
  }
  if (holder.start) {
    const start = await processStart(holder.pid);
    if (start !== undefined && start !== holder.start) return false; // pid reused
  }
  return true;
}

/** Linux: the process start time in clock ticks since boot; undefined elsewhere. */
async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22 overall: 3 + 19
  } catch {
    return undefined;
  }
}

async function readOrEmpty(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}
