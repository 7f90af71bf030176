import { FerryError } from '../../core/ferry-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `300ms`, `10s`, `5m`, `2h`, `1d`, `1h30m`, or a number of seconds. Returns milliseconds. */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join('') === text) {
      return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
    }
  }
  throw new FerryError('FERRY_USAGE', `${where}: expected a duration such as 30s, 5m or 2h`, { path: where, actual: value });
}
