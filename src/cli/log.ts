/**
 * winston behind the Logger boundary: human lines on a TTY, JSON lines otherwise (for journald
 * and log shippers). Logs go to stderr; stdout carries command output only.
 *
 * winston is loaded on the first message the level lets through: a command run at `warn` that
 * has nothing to warn about never pays for loading it.
 */
import { createRequire } from 'node:module';
import type * as Winston from 'winston';
import type { Logger } from '../core/logger.js';

/** winston's default (npm) levels: a message passes when its rank is at most the logger's. */
const RANKS: Record<string, number> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 };

export function createLogger(options: { level?: string; json?: boolean } = {}): Logger {
  const format = process.env.FERRY_LOG_FORMAT;
  const json = options.json ?? (format ? format === 'json' : !process.stderr.isTTY);
  const level = options.level ?? process.env.FERRY_LOG_LEVEL ?? 'info';
  let logger: Winston.Logger | undefined;
  const winstonLogger = () => (logger ??= buildWinston({ level, json }));
  // An unknown level is left to winston to judge, as before.
  const passes = (messageLevel: string) => RANKS[level] === undefined || RANKS[messageLevel] <= RANKS[level];
  return {
    debug: (m, f) => void (passes('debug') && winstonLogger().debug(m, f)),
    info: (m, f) => void (passes('info') && winstonLogger().info(m, f)),
    warn: (m, f) => void (passes('warn') && winstonLogger().warn(m, f)),
    error: (m, f) => void (passes('error') && winstonLogger().error(m, f)),
  };
}

function buildWinston(options: { level: string; json: boolean }): Winston.Logger {
  const winston = createRequire(import.meta.url)('winston') as typeof Winston;
  const human = winston.format.printf((info) => {
    const { level, message, timestamp: _t, ...fields } = info;
    const extra = Object.entries(fields)
      .filter(([k]) => typeof k === 'string')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${level.padEnd(5)} ${String(message)}${extra ? `  ${extra}` : ''}`;
  });
  return winston.createLogger({
    level: options.level,
    format: options.json ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : human,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
}
