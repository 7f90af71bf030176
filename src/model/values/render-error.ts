/** An error met while rendering one value; the node renderer turns it into a FerryError. */
import type { ErrorCode } from '../../core/ferry-error.js';
import type { SourcePos } from '../types.js';

export class RenderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly pos?: SourcePos,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
