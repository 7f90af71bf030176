/**
 * The worker thread of isolated-desired.ts: for each model it is sent, renders it, validates
 * it and builds the desired state, then posts the DesiredState (plain data) or every error (as
 * JSON) back. It runs under the heap limit its parent set, so a model that would exhaust memory
 * ends this thread, never the controller that serves the mirrors.
 */
import { parentPort } from 'node:worker_threads';
import { toFerryErrors } from '../core/ferry-error.js';
import type { DesiredWorkerInput, DesiredWorkerOutput } from './isolated-desired.js';
import { loadDesired } from './apply-desired.js';
import { openModelDir } from '../source/model-dir.js';
import { recordingFiles } from './desired-memo.js';

parentPort?.on('message', (input: DesiredWorkerInput) => {
  let out: DesiredWorkerOutput;
  try {
    const files = 'dir' in input.model ? openModelDir(input.model.dir) : new Map(input.model.entries);
    if (input.record) {
      const recording = recordingFiles(files);
      out = { ok: true, desired: loadDesired(recording.files, { node: input.node }).desired, reads: recording.reads() };
    } else out = { ok: true, desired: loadDesired(files, { node: input.node }).desired };
  } catch (e) {
    out = { ok: false, errors: toFerryErrors(e).map((x) => x.toJSON()) };
  }
  parentPort?.postMessage(out);
});
