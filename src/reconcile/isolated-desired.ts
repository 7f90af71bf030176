/**
 * The model's render, validation and desired state, computed in a worker thread with a heap
 * limit and a time limit (issue 11). Model files are untrusted input: a file that slips past the
 * renderer's own limits (src/model/limits.ts) may exhaust the worker's heap or time, which ends
 * the worker with FERRY_MODEL_TOO_LARGE (a failed revision), while the process that serves the
 * mirrors goes on. `ferry run` and `ferry apply` use it; `ferry render`/`validate` render in the
 * process (a one-shot command has nothing else to protect).
 *
 * Cost: a worker start and the model modules loaded in it (README, bench/render-isolation.ts);
 * the controller keeps a worker that rendered successfully for the next revision.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FerryError, FerryErrors, type ErrorCode } from '../core/ferry-error.js';
import type { DesiredState } from '../core/resource.js';
import type { ModelFiles } from '../model/types.js';
import { modelDirOf } from '../source/model-dir.js';
import type { ModelReads } from './desired-memo.js';

export interface RenderIsolation {
  /** Heap limit of the render worker (V8 old generation), MiB. */
  maxHeapMb: number;
  /** Time limit of one render, ms. */
  timeoutMs: number;
}

export const DEFAULT_RENDER_ISOLATION: RenderIsolation = { maxHeapMb: 512, timeoutMs: 60_000 };

export interface DesiredWorkerInput {
  model: { dir: string } | { entries: Array<[string, string]> };
  node?: string;
  /** Answer with the model files the render read (desired-memo.ts). */
  record?: boolean;
}

export type DesiredWorkerOutput = { ok: true; desired: DesiredState; reads?: ModelReads } | { ok: false; errors: Array<Record<string, unknown>> };

/**
 * A worker that rendered successfully and may render the next revision (`keepWarm`): the
 * controller then pays the worker's start and module loading once, not per revision. A worker
 * that failed, timed out or was aborted is ended, never reused.
 */
let warm: { worker: Worker; key: string } | undefined;

/**
 * Renders and validates `files` in a worker; resolves to the DesiredState or throws FerryErrors.
 * `onReads` gets the model files the render read, with their digests (desired-memo.ts).
 */
export function loadDesiredIsolated(
  files: ModelFiles,
  options: { node?: string; limits?: RenderIsolation; signal?: AbortSignal; keepWarm?: boolean; onReads?: (reads: ModelReads) => void } = {},
): Promise<DesiredState> {
  const limits = options.limits ?? DEFAULT_RENDER_ISOLATION;
  const dir = modelDirOf(files);
  const input: DesiredWorkerInput = { model: dir ? { dir } : { entries: [...files.entries()] }, node: options.node, ...(options.onReads ? { record: true } : {}) };
  const key = `${limits.maxHeapMb}`;
  let worker: Worker;
  if (warm && warm.key === key) {
    worker = warm.worker;
    worker.removeAllListeners('error').removeAllListeners('exit');
    warm = undefined;
  } else {
    if (warm) void warm.worker.terminate();
    warm = undefined;
    worker = startWorker(limits);
  }
  worker.ref();
  worker.postMessage(input);
  return new Promise<DesiredState>((resolve, reject) => {
    let settled = false;
    const finish = (keep: boolean, fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // Only our own listeners: Worker keeps internal ones (newListener) that must stay.
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (keep && options.keepWarm && !warm) parkWarm(worker, key);
      else void worker.terminate();
      fn();
    };
    const fail = (code: ErrorCode, message: string, data: Record<string, unknown> = {}) => finish(false, () => reject(new FerryErrors([new FerryError(code, message, data)])));
    const onMessage = (out: DesiredWorkerOutput) =>
      finish(out.ok, () => {
        if (!out.ok) return reject(new FerryErrors(out.errors.map((e) => new FerryError(e.code as ErrorCode, String(e.message), (e.data ?? {}) as Record<string, unknown>))));
        if (out.reads) options.onReads?.(out.reads);
        resolve(out.desired);
      });
    const onError = (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail('FERRY_MODEL_TOO_LARGE', `rendering the model needs more than ${limits.maxHeapMb} MiB (the render heap limit); the revision is not applied`, { expected: limits.maxHeapMb });
      } else fail('FERRY_INTERNAL', `the render worker failed: ${e.message}`);
    };
    const onExit = (code: number) => fail('FERRY_INTERNAL', `the render worker exited (code ${code}) without an answer`);
    const onAbort = () => fail('FERRY_ABORTED', 'aborted while rendering the model');
    const timer = setTimeout(() => fail('FERRY_MODEL_TOO_LARGE', `rendering the model took longer than ${limits.timeoutMs / 1000} s (the render time limit); the revision is not applied`, { expected: limits.timeoutMs }), limits.timeoutMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
  });
}

function parkWarm(worker: Worker, key: string): void {
  worker.unref();
  const gone = () => {
    if (warm?.worker === worker) warm = undefined;
  };
  worker.once('error', gone).once('exit', gone);
  warm = { worker, key };
}

/** Ends the warm worker, if any (the controller's close). */
export async function closeRenderWorker(): Promise<void> {
  const w = warm;
  warm = undefined;
  await w?.worker.terminate();
}

function startWorker(limits: RenderIsolation): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.maxHeapMb / 8)) };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./desired-worker.js', import.meta.url), { resourceLimits });
  // Running from the sources (tsx, jest): a worker does not inherit the TypeScript loader, so a
  // small bootstrap registers tsx in the worker and imports the .ts entry through it.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./desired-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, resourceLimits });
}
