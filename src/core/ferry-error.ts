/**
 * The one error type of Ferry. Every failure a user can meet is a FerryError with a stable
 * `code`, a `data` payload naming what it is about (file:line, resource, url, expected/actual)
 * and, when it wraps another failure, a `cause`.
 *
 * `errorClass` tells the controller how to react: `stalled` needs a new commit (bad model,
 * unresolvable dependency), `retryable` may succeed later (network, 5xx), `bug` is ours.
 */
export type ErrorClass = 'stalled' | 'retryable' | 'bug';

export const ERROR_CODES = {
  FERRY_YAML_SYNTAX: 'stalled',
  FERRY_CLASS_NOT_FOUND: 'stalled',
  FERRY_NODE_NOT_FOUND: 'stalled',
  FERRY_DUPLICATE_CLASS: 'stalled',
  FERRY_MISSING_REFERENCE: 'stalled',
  FERRY_CIRCULAR_REFERENCE: 'stalled',
  FERRY_TYPE_CONFLICT: 'stalled',
  FERRY_CONSTANT_CHANGED: 'stalled',
  FERRY_BAD_CLASS_NAME: 'stalled',
  FERRY_INVENTORY_QUERY: 'stalled',
  FERRY_REFERENCE_SYNTAX: 'stalled',
  FERRY_SCHEMA: 'stalled',
  FERRY_INVALID_MODEL: 'stalled',
  FERRY_MODEL_TOO_LARGE: 'stalled',
  FERRY_UNSAFE_PATH: 'stalled',
  FERRY_UNRESOLVED_DEPENDENCY: 'stalled',
  FERRY_BAD_INDEX: 'stalled',
  FERRY_INDEX_TOO_LARGE: 'stalled',
  FERRY_BAD_SIGNATURE: 'stalled',
  FERRY_DIGEST_MISMATCH: 'retryable',
  FERRY_SIZE_MISMATCH: 'retryable',
  FERRY_HTTP_STATUS: 'retryable',
  FERRY_NETWORK: 'retryable',
  FERRY_ABORTED: 'retryable',
  FERRY_LOCKED: 'retryable',
  FERRY_SNAPSHOT_NOT_FOUND: 'stalled',
  FERRY_STORE_CORRUPT: 'bug',
  FERRY_DISK_FULL: 'retryable',
  FERRY_GIT: 'retryable',
  FERRY_UNTRUSTED_COMMIT: 'stalled',
  FERRY_USAGE: 'stalled',
  FERRY_INTERNAL: 'bug',
} as const satisfies Record<string, ErrorClass>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorData {
  /** YAML file relative to the model root, and 1-based line/column. */
  file?: string;
  line?: number;
  column?: number;
  /** Path in the rendered model, e.g. `parameters.ferry.mirrors.debian.url`. */
  path?: string;
  resource?: string;
  url?: string;
  expected?: unknown;
  actual?: unknown;
  [key: string]: unknown;
}

export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, cause?: unknown) {
    super(message);
    this.name = 'FerryError';
    this.code = code;
    this.data = data;
    this.cause = cause;
  }

  get errorClass(): ErrorClass {
    return ERROR_CODES[this.code];
  }

  /**
   * `file:line:column: message` (as compilers print it) when a source position is known, else
   * the message. A digest or size mismatch also names the expected and the actual value when
   * its message does not (issue 10).
   */
  describe(): string {
    const { file, line, column } = this.data;
    const where = file ? `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ` : '';
    return `${where}${this.message}${this.mismatch()}`;
  }

  private mismatch(): string {
    if (this.code !== 'FERRY_DIGEST_MISMATCH' && this.code !== 'FERRY_SIZE_MISMATCH') return '';
    const { expected, actual } = this.data;
    if (expected === undefined || actual === undefined) return '';
    const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
    const [e, a] = [text(expected), text(actual)];
    return this.message.includes(e) && this.message.includes(a) ? '' : ` (expected ${e}, actual ${a})`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** Several errors reported at once (a model with many mistakes, several resources failing). */
export class FerryErrors extends Error {
  readonly errors: FerryError[];
  constructor(errors: FerryError[], summary?: string) {
    super(summary ?? `${errors.length} error(s):\n${errors.map((e) => `  ${e.describe()}`).join('\n')}`);
    this.name = 'FerryErrors';
    this.errors = errors;
  }
}

export function isFerryError(e: unknown): e is FerryError {
  return e instanceof FerryError;
}

/** Flattens whatever was thrown into a list of FerryErrors, wrapping unknown throws as bugs. */
export function toFerryErrors(e: unknown): FerryError[] {
  if (e instanceof FerryErrors) return e.errors;
  if (e instanceof FerryError) return [e];
  if (e instanceof Error && e.name === 'AbortError') return [new FerryError('FERRY_ABORTED', 'aborted', {}, e)];
  const message = e instanceof Error ? e.message : String(e);
  return [new FerryError('FERRY_INTERNAL', message, {}, e)];
}
