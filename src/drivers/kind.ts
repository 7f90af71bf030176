/**
 * A kind is one folder, `src/drivers/<kind>/`, whose `kind.ts` exports a Kind: everything the
 * rest of Ferry needs to know about it. A Kind is pure and light (`ferry validate` loads every
 * kind; a lint rule keeps I/O out of kind.ts); its driver, which may pull in large libraries, is
 * loaded on first use. Adding a kind touches its folder and one line of registry.ts
 * (docs/ARCHITECTURE.md, "Adding a kind").
 */
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { SiteSettings } from '../core/resource.js';
import type { McpHook } from '../core/mcp.js';
import type { KindModelFiles } from '../desired/model-files.js';
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
  /**
   * Files that may answer a folder instead of `index.html`, chosen by the request's Accept
   * (src/serve/index-negotiation.ts: pypi's PEP 691 JSON page beside its PEP 503 HTML one).
   */
  indexes?: readonly KindIndex[];
  /**
   * `ferry serve`'s request handler for the kind's prefixes (the oci registry API: catalog,
   * pagination, OCI error bodies), made on the first request (it may load large modules). It
   * answers before the tree does, and leaves a request to the tree's files by answering false:
   * what nginx serves is those files (their types, headers and aliases) and the CGI programs.
   */
  handler?(ctx: KindServeContext): Promise<KindRequestHandler>;
  /**
   * What the kind adds to the nginx server block (`ferry nginx-config`) so that nginx answers
   * what `handler` answers in ferry serve (the oci registry's catalog, paginated tag lists and
   * error bodies, through njs). Pure: returns lines.
   */
  readonly nginx?: (ctx: KindNginxContext) => KindNginxLines;
}

/** What a kind's nginx lines are made with (serve/nginx-config.ts); the paths are checked for nginx. */
export interface KindNginxContext {
  /** The state folder's real path. */
  state: string;
  /** The installation's folder of scripts nginx runs (share/nginx/), when nginx's JavaScript module is used; else undefined (`--no-njs`). */
  njsScripts?: string;
}

export interface KindNginxLines {
  /** Lines of the server block, before its locations. */
  server?: string[];
  /** Lines inside `location ^~ /<prefix>/ { }` (the published tree), by prefix. */
  prefixes?: Readonly<Record<string, string[]>>;
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

/**
 * A request handler a kind gives `ferry serve` (Kind.serving.handler): offered every request
 * whose first path segment is one of the kind's prefixes, before the tree answers it. Resolves
 * true when it answered, false to let the tree's files answer (nginx serves those alike).
 */
export type KindRequestHandler = (req: IncomingMessage, res: ServerResponse, path: { segments: readonly string[]; query: string }) => Promise<boolean>;

/** A snapshot as `ferry serve` shows it to a kind's handler (serve/snapshot-resolver.ts). */
export interface KindServedSnapshot {
  readonly id: string;
  /** The snapshot folder (manifest.json, tree/). */
  readonly dir: string;
  /** The real path of a folder of the tree, or null when it is not there. */
  realDir(segments: readonly string[]): Promise<string | null>;
}

/** A file of a snapshot's tree, opened (KindServeContext.openFile). */
export interface KindOpenedFile {
  handle: FileHandle;
  size: number;
}

/** What `ferry serve` gives a kind's handler: the snapshots (read-only) and how to answer with a file. */
export interface KindServeContext {
  /** The published snapshot (read at each call: a publish or a rollback switches it), or null. */
  current(): Promise<KindServedSnapshot | null>;
  /** A retained snapshot, or null. */
  byId(id: string): Promise<KindServedSnapshot | null>;
  /** The retained snapshots' ids. */
  list(): Promise<string[]>;
  /** Opens a file of a snapshot's tree (nothing outside it is reached): the file, 'directory', or null. */
  openFile(snapshot: KindServedSnapshot, segments: readonly string[]): Promise<KindOpenedFile | 'directory' | null>;
  /** Answers with an opened file (validators, conditional requests, one Range, HEAD); closes it. */
  sendFile(req: IncomingMessage, res: ServerResponse, file: KindOpenedFile & { etag: string; contentType: string; headers: Record<string, string>; lastModifiedMs?: number }): Promise<void>;
  logger: Logger;
}

/** Content types of the files the kind serves, by name (merged into serve/content-types.ts's table). */
export interface KindContentTypes {
  /** Extension (lowercase, no dot) to content type. */
  byExtension?: Readonly<Record<string, string>>;
  /** Whole file names (no extension) that clients read as text, as anchored regular expressions. */
  plainTextNames?: readonly RegExp[];
}

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
  /**
   * What of a spec the kind will trust on first use, because the model names no digest for it
   * (a file without sha256, md5 or digest_url): `ferry plan` flags each. Pure.
   */
  trustOnFirstUse?(spec: Record<string, unknown>): string[];
  /** Whether a resource of this kind needs its driver's afterPublish step (light: no driver loaded to ask). */
  afterPublish?(spec: Record<string, unknown>): boolean;
  /**
   * The kind's part of an existing MCP model (`parameters.aptly.server.mirror`, say): its
   * mirrors, each with the way back to the MCP YAML, what it lists as not mirrored and errors;
   * optionally a finish step once parameters.ferry's overrides are applied (src/core/mcp.ts;
   * desired/mcp-vocabulary.ts runs every registered kind's hook, in the registry's order). Pure.
   */
  readonly mcp?: McpHook;
  /**
   * Files of the model's folder its specs name by path (a pypi requirements file): the reconcile
   * reads them (and what they include) and puts their content into the spec under `model_files`
   * (desired/model-files.ts), so the driver reads no checkout and a changed file changes the plan.
   */
  readonly modelFiles?: KindModelFiles;
  /** Loads the driver (and whatever large library it needs). */
  driver(): Promise<Driver<Spec>>;
}

/** A folder's index file besides `index.html`, and the media types an Accept names it by. */
export interface KindIndex {
  file: string;
  types: readonly string[];
}
