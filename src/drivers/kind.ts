/**
 * A kind is one folder, `src/drivers/<kind>/`, whose `kind.ts` exports a Kind: everything the
 * rest of Ferry needs to know about it. A Kind is pure and light (`ferry validate` loads every
 * kind; a lint rule keeps I/O out of kind.ts); its driver, which may pull in large libraries, is
 * loaded on first use. Adding a kind touches its folder and one line of registry.ts
 * (docs/ARCHITECTURE.md, "Adding a kind").
 */
import type { SiteSettings } from '../core/resource.js';
import type { McpTranslator } from '../desired/mcp-vocabulary.js';
import type { SiteMirror, SpecContext, SpecIssue } from '../validate/check-semantics.js';
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

/** Content types of the files the kind serves, by name (merged into serve/content-types.ts's table). */
export interface KindContentTypes {
  /** Extension (lowercase, no dot) to content type. */
  byExtension?: Readonly<Record<string, string>>;
  /** Whole file names (no extension) that clients read as text, as anchored regular expressions. */
  plainTextNames?: readonly RegExp[];
}

/**
 * Translates the kind's part of an existing MCP model (`parameters.aptly.server.mirror`, say)
 * into Ferry mirrors, each with the way back to the MCP YAML (desired/mcp-vocabulary.ts runs
 * every registered kind's hook). Pure. The translators of src/desired/mcp/ move into their
 * kinds' folders through this hook.
 */
export type McpTranslation = McpTranslator;

export interface Kind<Spec = unknown> {
  /** The model's `kind:` value, the tree folder and the URL prefix `/<kind>/<name>/`. */
  readonly kind: string;
  /**
   * The JSON Schema of a mirror of this kind (its fields; `kind`, `enabled` and `refresh` are
   * common). It may `$ref` the shared definitions of schemas/ferry.schema.json (`#/definitions/url`);
   * validate/compose-schema.ts puts it at `#/definitions/<kind>`.
   */
  readonly schema: Readonly<Record<string, unknown>>;
  /** Fills the defaults a spec leaves implicit, so that writing them out does not change the hash. Pure. */
  withDefaults?(spec: Record<string, unknown>): Record<string, unknown>;
  /**
   * Turns a schema-valid spec (defaults filled) into the driver's typed spec, checking what the
   * schema cannot (a filter parses, paths are safe). Pure. Throws FerryErrors whose `field`
   * (an array, or a dotted string such as `packages[2]`) is the path below the mirror: `ferry
   * validate` reports them with the YAML file and line, and a spec that fails never reaches the driver.
   */
  parseSpec(spec: Record<string, unknown>, ctx: SpecContext): Spec;
  /** Checks across the site's mirrors that one spec cannot see (bases exist and are of this kind). Pure. */
  checkSite?(mine: readonly SiteMirror[], all: readonly SiteMirror[], site: SiteSettings): Array<SpecIssue & { mirror: string }>;
  /** Lines `ferry validate` prints about a mirror (it needs the network on its first apply, say). Pure. */
  notes?(spec: Record<string, unknown>, site: SiteSettings): string[];
  readonly contentTypes?: KindContentTypes;
  readonly serving?: KindServing;
  /** Whether a resource of this kind needs its driver's afterPublish step (light: no driver loaded to ask). */
  afterPublish?(spec: Record<string, unknown>): boolean;
  readonly mcp?: McpTranslation;
  /** Loads the driver (and whatever large library it needs). */
  driver(): Promise<Driver<Spec>>;
}
