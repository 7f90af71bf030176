/**
 * One log line, exactly as Ferry's winston setup (log.ts) writes it, without loading winston:
 * human `level message  key=value ...`, or one JSON object with sorted keys and a timestamp.
 * Pure: the caller writes the line and supplies the time.
 *
 * The rules follow winston 3's logger and logform's `timestamp` and `json` formats: fields
 * sit beside `level` and `message`; a `message` field is appended to the message; a message
 * holding printf tokens (`%s`, `%d`...) drops the fields (winston would hand them to a splat
 * format, which Ferry does not use); a `timestamp` field stands in for the time; JSON is
 * safe-stable-stringify's (sorted keys, `[Circular]`), bigints as strings.
 */
import { configure } from 'safe-stable-stringify';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LogLineOptions {
  json: boolean;
  /** The time of the line, for JSON lines. */
  now: Date;
}

const stringify = configure({});
const PRINTF_TOKEN = /%[scdjifoO%]/;

export function formatLogLine(level: LogLevel, message: string, fields: Record<string, unknown> | undefined, options: LogLineOptions): string {
  const withFields = fields !== null && typeof fields === 'object' && !PRINTF_TOKEN.test(message);
  const info: Record<string, unknown> = withFields ? { ...fields, level, message } : { level, message };
  if (withFields && fields.message) info.message = `${message} ${fields.message as string}`; // any value, as winston's template does
  if (options.json) {
    info.timestamp ||= options.now.toISOString();
    return stringify(info, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) ?? '';
  }
  const { level: _l, message: text, timestamp: _t, ...rest } = info;
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined) // a field left out, as in JSON: no `commit=undefined` (issue 10)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${level.padEnd(5)} ${String(text)}${extra ? `  ${extra}` : ''}`;
}
