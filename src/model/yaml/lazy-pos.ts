/**
 * Source positions computed only when asked: a value loaded by the fast YAML path knows its
 * file and its path inside that file; its line and column are looked up (parsing that one file
 * again with the position-keeping `yaml` package, once per file) when an error or locate()
 * needs them. Keys the lookup cannot follow (merge keys `<<`, aliases, keys YAML 1.1 turned into
 * booleans) resolve to the nearest enclosing node.
 */
import type { Document, LineCounter, Node } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import type { SourcePos } from '../types.js';

export class PosResolver {
  private readonly docs = new Map<string, { doc: Document; lc: LineCounter }>();
  constructor(private readonly text: (file: string) => string | undefined) {}

  resolve(file: string, path: ReadonlyArray<string | number>, isKey: boolean): { line: number; column: number } {
    const { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq } = yamlLib();
    let entry = this.docs.get(file);
    if (!entry) {
      const lc = new LineCounter();
      const doc = parseDocument(this.text(file) ?? '', { schema: 'failsafe', uniqueKeys: false, lineCounter: lc, strict: false });
      this.docs.set(file, (entry = { doc, lc }));
    }
    const { doc, lc } = entry;
    let node: Node | null = doc.contents;
    let at = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length && node; i++) {
      if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[i]));
        if (!pair) break;
        const last = i === path.length - 1;
        if (last && isKey) {
          at = (pair.key as Node).range?.[0] ?? at;
          break;
        }
        node = (pair.value as Node | null) ?? null;
        at = node?.range?.[0] ?? (pair.key as Node).range?.[0] ?? at;
      } else if (isSeq(node)) {
        const item = node.items[Number(path[i])] as Node | undefined;
        if (!item) break;
        node = item;
        at = item.range?.[0] ?? at;
      } else break;
    }
    const p = lc.linePos(at);
    return { line: p.line, column: p.col };
  }
}

/** A SourcePos whose line and column are resolved on first use. */
export class LazyPos implements SourcePos {
  private resolved?: { line: number; column: number };
  constructor(
    readonly file: string,
    private readonly parent: LazyPos | undefined,
    private readonly key: string | number | undefined,
    private readonly isKey: boolean,
    private readonly resolver: PosResolver,
  ) {}

  private path(): Array<string | number> {
    const out: Array<string | number> = [];
    if (this.key !== undefined) out.push(this.key);
    for (let p = this.parent; p && p.key !== undefined; p = p.parent) out.push(p.key);
    return out.reverse();
  }

  private get r(): { line: number; column: number } {
    return (this.resolved ??= this.resolver.resolve(this.file, this.path(), this.isKey));
  }
  get line(): number {
    return this.r.line;
  }
  get column(): number {
    return this.r.column;
  }
  toJSON(): SourcePos {
    return { file: this.file, line: this.line, column: this.column };
  }
}
