/**
 * The tree a YAML file of the inventory is read into (yaml-load.ts, yaml-block.ts): every key and
 * value with its source position.
 */
import type { SourcePos } from '../types.js';

export type YVal =
  | { kind: 'map'; entries: YEntry[]; pos: SourcePos }
  | { kind: 'seq'; items: YVal[]; pos: SourcePos }
  | { kind: 'scalar'; v: unknown; isFloat?: boolean; pos: SourcePos };

export interface YEntry {
  key: string;
  keyPos: SourcePos;
  value: YVal;
}
