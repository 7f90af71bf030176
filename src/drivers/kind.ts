/**
 * A kind is one folder, `src/drivers/<kind>/`, whose `kind.ts` exports a Kind: everything the
 * rest of Ferry needs to know about it, light enough for `ferry validate` to load (the driver,
 * which may pull in large libraries, is loaded on first use). Adding a kind touches its folder
 * and one line of registry.ts. See docs/ARCHITECTURE.md, "Adding a kind".
 */
import type { Driver } from './types.js';

/** What a kind declares for the serving hook (src/store/served.ts). */
export interface KindServing {
  /**
   * Top-level folders of the served tree the kind's resources may route to besides
   * `/<kind>/<name>/` (`v2` for a registry): there, files answer with the content type their
   * manifest records. Claimed by one kind only.
   */
  prefixes?: readonly string[];
  /** Names of the extra response headers its files may carry (`Docker-Content-Digest`). */
  headers?: readonly string[];
  /**
   * Programs that answer some requests of a snapshot's tree instead of its files (git's smart
   * HTTP): run by `ferry serve` (src/serve/cgi.ts) and by nginx through fcgiwrap, over the
   * snapshot the request reads (the published one, or `/snapshots/<id>/`).
   */
  cgi?: readonly KindCgi[];
}

/** A CGI program (RFC 3875) serving a subtree of the kind's folder. */
export interface KindCgi {
  /** What it serves, for logs and the nginx comment. */
  readonly name: string;
  /**
   * Whether a request is the program's: `segments` are its path from the tree root (`git/…`),
   * `query` its query string (with `?`). Gives the PATH_INFO (from the tree root), or a refusal
   * (a push to a read-only mirror), or undefined when the request is not the program's.
   */
  match(segments: readonly string[], query: string, method: string | undefined): { pathInfo: string } | { refuse: number; text: string } | undefined;
  /** The program and its arguments (no shell). */
  readonly command: readonly string[];
  /** Its environment, given the snapshot tree's root (real path, or an nginx expression). */
  env(treeRoot: string): Record<string, string>;
  /**
   * For nginx: a regular expression of the request paths (from a tree root, no leading `/`) the
   * program answers; PATH_INFO is the matched path. nginx hands them to fcgiwrap as
   * SCRIPT_FILENAME `script` with `env(treeRoot)` as fastcgi_params.
   */
  readonly nginx: { location: string; script: string };
}

export interface Kind {
  /** The model's `kind:` value, the tree folder and the URL prefix `/<kind>/<name>/`. */
  readonly kind: string;
  readonly serving?: KindServing;
  /** Whether a resource of this kind needs its driver's afterPublish step (light: no driver loaded to ask). */
  afterPublish?(spec: Record<string, unknown>): boolean;
  /** Loads the driver (and whatever large library it needs). */
  driver(): Promise<Driver>;
}
