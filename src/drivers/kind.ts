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
