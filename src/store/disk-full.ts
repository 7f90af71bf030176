/**
 * A full disk is one error, not one per file (issue 11, defect 5: a run that filled its disk
 * reported 1,292 ENOSPC errors). Every failure whose cause chain holds ENOSPC (or EDQUOT) is
 * folded into one FERRY_DISK_FULL that names the file system's path, the space left (and the
 * inodes, when under 1% are left) and, when the plan knows it, the space the run needed; other
 * errors are kept as they are.
 */
import { statfs } from 'node:fs/promises';
import { FerryError, toFerryErrors } from '../core/ferry-error.js';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The ENOSPC/EDQUOT error in `e`'s cause chain, if any. */
export function diskFullCause(e: unknown): (Error & { code: string; path?: string }) | undefined {
  let x: unknown = e;
  for (let depth = 0; depth < 8 && x && typeof x === 'object'; depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && FULL.has(code)) return x as Error & { code: string; path?: string };
    x = (x as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `e` as FerryErrors with every disk-full failure folded into one. */
export async function foldDiskFull(e: unknown, where: { dir: string; neededBytes?: number }): Promise<FerryError[]> {
  const errors = Array.isArray(e) ? (e as FerryError[]) : toFerryErrors(e);
  const full = errors.filter((x) => diskFullCause(x));
  if (full.length === 0) return errors;
  const cause = diskFullCause(full[0]);
  const fs = await statfs(where.dir).catch(() => undefined);
  const free = fs ? Number(fs.bavail) * Number(fs.bsize) : undefined;
  // ENOSPC also means no inode left (many small files): then the bytes free are beside the point.
  const inodesFree = fs && Number(fs.files) > 0 ? Number(fs.ffree) : undefined;
  const outOfInodes = inodesFree !== undefined && inodesFree * 100 < Number(fs?.files);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const parts = [outOfInodes ? `disk full: no inodes left on the file system of ${where.dir} (${inodesFree} of ${Number(fs?.files)} free)` : `disk full: no space left on the file system of ${where.dir}`];
  if (free !== undefined) parts.push(`${mib(free)} free`);
  if (where.neededBytes) parts.push(`this run needed ${mib(where.neededBytes)} for its downloads`);
  const one = new FerryError('FERRY_DISK_FULL', `${parts.join('; ')} (${full.length} write(s) failed${cause?.path ? `, first ${cause.path}` : ''}); free space and run again, \`ferry gc\` removes what failed runs left`, {
    file: cause?.path,
    actual: free,
    expected: where.neededBytes,
    failures: full.length,
    ...(outOfInodes ? { inodesFree } : {}),
  }, cause);
  return [one, ...errors.filter((x) => !diskFullCause(x))];
}
