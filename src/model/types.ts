/**
 * The model stage's contract. Rendering is a pure function of the inventory's files, given as
 * a map from path (relative to the inventory root, `/`-separated: `classes/system/a/init.yml`,
 * `nodes/mirror01.yml`, `reclass-config.yml`) to text. Reading those files from a directory or
 * from a Git commit is the caller's I/O (src/source/model-source.ts).
 */
export type ModelFiles = ReadonlyMap<string, string>;

export interface SourcePos {
  /** Path relative to the inventory root. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
}

export interface RenderOptions {
  /** Overrides of reclass-config.yml settings. */
  settings?: Record<string, unknown>;
  /**
   * renderInventory only: evaluate inventory queries as reclass 1.7's --inventory does, where
   * a query without +AllEnvs matches no node (a reclass bug; --nodeinfo and Ferry's default
   * match the nodes of the same environment). For diffing against reclass.
   */
  reclassInventoryQuirks?: boolean;
  /**
   * renderNode only: keep what each value of the render read, so that the next render of this
   * node, after a commit, re-renders only what the commit's changed files reach (a controller
   * renders its node at every commit). A one-shot render leaves it off: tracking costs a little.
   */
  incremental?: boolean;
}

export interface RenderedNode {
  /** Node name as reclass reports it (composed from the path when compose_node_name is set). */
  name: string;
  classes: string[];
  applications: string[];
  environment: string;
  parameters: Record<string, unknown>;
  exports: Record<string, unknown>;
  /**
   * Where the value at `path` came from: the file and line of the YAML value that won the
   * merge. Falls back to the nearest ancestor that has a position.
   */
  locate(path: ReadonlyArray<string | number>): SourcePos | undefined;
  /** Classes in the order that brought them in, each with its file. */
  classFiles: Array<{ name: string; file: string }>;
}
