/**
 * winston behind the Logger boundary: human lines on a TTY, JSON lines otherwise (for journald
 * and log shippers). Logs go to stderr; stdout carries command output only.
 */
import winston from 'winston';
import type { Logger } from '../core/logger.js';

export function createLogger(options: { level?: string; json?: boolean } = {}): Logger {
  const format = process.env.FERRY_LOG_FORMAT;
  const json = options.json ?? (format ? format === 'json' : !process.stderr.isTTY);
  const human = winston.format.printf((info) => {
    const { level, message, timestamp: _t, ...fields } = info;
    const extra = Object.entries(fields)
      .filter(([k]) => typeof k === 'string')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${level.padEnd(5)} ${String(message)}${extra ? `  ${extra}` : ''}`;
  });
  const logger = winston.createLogger({
    level: options.level ?? process.env.FERRY_LOG_LEVEL ?? 'info',
    format: json ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : human,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
  return {
    debug: (m, f) => logger.debug(m, f),
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => logger.warn(m, f),
    error: (m, f) => logger.error(m, f),
  };
}
