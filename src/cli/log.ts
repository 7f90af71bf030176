/**
 * The Logger boundary for the CLI: human lines on a TTY, JSON lines otherwise (for journald
 * and log shippers). Logs go to stderr; stdout carries command output only. Level from
 * FERRY_LOG_LEVEL (default info), format from FERRY_LOG_FORMAT (json or human).
 *
 * The commands write their lines with log-line.ts, which gives the same lines as winston
 * without loading it (~100 ms of a run); `ferry run`, the controller, uses winston itself,
 * loaded on first use.
 */
import { EOL } from 'node:os';
import { createRequire } from 'node:module';
import type * as Winston from 'winston';
import type { Logger } from '../core/logger.js';
import { formatLogLine, type LogLevel } from './log-line.js';

export interface LoggerOptions {
  level?: string;
  json?: boolean;
}

/** winston's default (npm) levels: a message passes when its rank is at most the logger's. */
const RANKS: Record<string, number> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 };

function settings(options: LoggerOptions): { level: string; json: boolean } {
  const format = process.env.FERRY_LOG_FORMAT;
  return {
    level: options.level ?? process.env.FERRY_LOG_LEVEL ?? 'info',
    json: options.json ?? (format ? format === 'json' : !process.stderr.isTTY),
  };
}

/** A logger that writes each line at once (to stderr unless `write` is given). */
export function createLogger(options: LoggerOptions & { write?: (text: string) => void } = {}): Logger {
  const { level, json } = settings(options);
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  // An unknown level lets nothing through, as in winston.
  const log = (messageLevel: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANKS[messageLevel] <= RANKS[level]) write(formatLogLine(messageLevel, message, fields, { json, now: new Date() }) + EOL);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The same lines through winston (to stderr, or to `stream`), for the controller. */
export function createWinstonLogger(options: LoggerOptions & { stream?: NodeJS.WritableStream } = {}): Logger {
  const { level, json } = settings(options);
  const winston = createRequire(import.meta.url)('winston') as typeof Winston;
  const human = winston.format.printf((info) => {
    const { level, message, timestamp: _t, ...fields } = info;
    const extra = Object.entries(fields)
      .filter(([k, v]) => typeof k === 'string' && v !== undefined) // no `commit=undefined` (issue 10)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${level.padEnd(5)} ${String(message)}${extra ? `  ${extra}` : ''}`;
  });
  const logger = winston.createLogger({
    level,
    format: json ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : human,
    transports: [options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
  return {
    debug: (m, f) => logger.debug(m, f),
    info: (m, f) => logger.info(m, f),
    warn: (m, f) => logger.warn(m, f),
    error: (m, f) => logger.error(m, f),
  };
}
