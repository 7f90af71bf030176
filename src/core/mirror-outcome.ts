/**
 * What one reconcile did to each mirror, as the pipeline reports it to its callers (the
 * controller's conditions, schedules, events and metrics; `ferry apply --json`).
 */
export interface MirrorOutcome {
  /** `kind/name`. */
  id: string;
  /**
   * kept: taken as published, upstream not asked; unchanged: upstream asked, nothing new;
   * changed: new content in this snapshot; failed: its upstream could not be read or used, its
   * last good content (if any) is kept.
   */
  outcome: 'kept' | 'unchanged' | 'changed' | 'failed';
  /** Its upstream was read in this run (a refresh, or a new or changed spec). */
  refreshed: boolean;
  /**
   * For `changed`: what changed it, the model (a new or changed spec), its upstream, or a new
   * signature only (`resign`: same spec, same upstream state; a Release renewed before its
   * Valid-Until, or signed with a new site key).
   */
  cause?: 'model' | 'upstream' | 'resign';
  /** The refresh interval the model gives it (its own `refresh`, else `site.refresh`). */
  refresh?: string;
  /** A digest of the upstream state its content came from (deb: the Release file's sha256). */
  upstream?: string;
  error?: { code: string; message: string; errorClass: string; data?: Record<string, unknown> };
}
