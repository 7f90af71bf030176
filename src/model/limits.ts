/**
 * Size limits of the model stage, so that a small hostile file cannot make the renderer use
 * unbounded memory or time (issue 11: 250 bytes of nested YAML aliases took a controller to a
 * 4 GiB heap abort). Each limit is far above what real models use (the MCP models and the
 * 2,005-class benchmark inventory stay below a tenth of each) and fails with
 * FERRY_MODEL_TOO_LARGE naming the file and line.
 *
 * - A model file holds at most MAX_FILE_BYTES.
 * - Aliases may expand a file to at most max(MIN_EXPANDED_NODES, EXPANSION_PER_BYTE x its size)
 *   nodes: a file without aliases never comes near; `*a` repeated through nested anchors does.
 * - A rendered string (references inside text: `${a}${a}`) is at most MAX_VALUE_CHARS long.
 * - Rendering one node copies at most MAX_RENDERED_NODES values (a reference to a dictionary
 *   copies it, so references of references can grow a tree exponentially).
 */
import { FerryError } from '../core/ferry-error.js';

export const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MIN_EXPANDED_NODES = 100_000;
const EXPANSION_PER_BYTE = 4;
export const MAX_VALUE_CHARS = 4 * 1024 * 1024;
export const MAX_RENDERED_NODES = 500_000;

/** The number of nodes the file's aliases may expand it to. */
function expansionLimit(textLength: number): number {
  return Math.max(MIN_EXPANDED_NODES, EXPANSION_PER_BYTE * textLength);
}

/** Counts the nodes a YAML file expands to; throws once past its limit. */
export class ExpansionBudget {
  private used = 0;
  readonly limit: number;
  constructor(
    private readonly file: string,
    private readonly textLength: number,
  ) {
    this.limit = expansionLimit(textLength);
  }

  /** One more node; `line` is where the expansion was when the limit was passed. */
  take(line?: number): void {
    if (++this.used <= this.limit) return;
    throw tooLarge(
      this.file,
      `YAML aliases expand this file of ${this.textLength} bytes past ${this.limit} nodes (the limit is ${EXPANSION_PER_BYTE} per byte, at least ${MIN_EXPANDED_NODES}): an alias bomb?`,
      line,
    );
  }
}

export function tooLarge(file: string | undefined, message: string, line?: number): FerryError {
  return new FerryError('FERRY_MODEL_TOO_LARGE', message, { file: file || undefined, line });
}

/** The file-size check every reader does first. */
export function checkFileSize(file: string, text: string): FerryError | undefined {
  if (text.length <= MAX_FILE_BYTES) return undefined;
  return tooLarge(file, `model file of ${text.length} characters is larger than the limit of ${MAX_FILE_BYTES} (${MAX_FILE_BYTES / 1024 / 1024} MiB)`);
}
