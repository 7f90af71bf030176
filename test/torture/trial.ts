/**
 * The torture suite's vocabulary (issue 11): an area (test/torture/<area>.ts) is a list of
 * trials; each trial runs against the real `ferry` CLI and real servers on 127.0.0.1 and returns
 * its outcome. A kind that lands later adds its cases in its own file and one line in areas.ts.
 */
export interface TrialResult {
  ok: boolean;
  /** What was seen (an exit code, an error code, a count). */
  detail: string;
  /** The trial's measured figure (a count, a duration, a size), shown in its own column. */
  figure?: string;
}

export interface Trial {
  area: string;
  name: string;
  run(): Promise<TrialResult>;
}

export interface AreaOptions {
  /** The quick subset (make test) or the whole (make torture). */
  quick: boolean;
  /** Seeded randomness, for trials that pick kill points. */
  random: () => number;
}

export interface Area {
  name: string;
  trials(options: AreaOptions): Promise<{ trials: Trial[]; cleanup: () => Promise<void> }>;
}
