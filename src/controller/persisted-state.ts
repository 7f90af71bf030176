/**
 * What the controller remembers across restarts: the last attempted and applied revisions
 * (`<state>/controller-state.json`, written with temp file + rename), and where a running
 * controller can be reached (`<state>/controller.json`, mode 0600: it holds the control token).
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RememberedRevisions {
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  /** Last successful upstream refresh per mirror (ISO time), so a restart keeps the schedule. */
  refreshedAt?: Record<string, string>;
}

export interface ControllerEndpoint {
  pid: number;
  url: string;
  token: string;
  startedAt: string;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

export async function readRememberedRevisions(stateDir: string): Promise<RememberedRevisions> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'controller-state.json'), 'utf8')) as RememberedRevisions;
    return { lastAttemptedRevision: v.lastAttemptedRevision, lastAppliedRevision: v.lastAppliedRevision, refreshedAt: v.refreshedAt };
  } catch {
    return {};
  }
}

export async function rememberRevisions(stateDir: string, revisions: RememberedRevisions): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeAtomic(join(stateDir, 'controller-state.json'), JSON.stringify(revisions, null, 2) + '\n', 0o644);
}

function endpointPath(stateDir: string): string {
  return join(stateDir, 'controller.json');
}

export async function writeEndpoint(stateDir: string, endpoint: ControllerEndpoint): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeAtomic(endpointPath(stateDir), JSON.stringify(endpoint, null, 2) + '\n', 0o600);
}

export async function removeEndpoint(stateDir: string): Promise<void> {
  await rm(endpointPath(stateDir), { force: true });
}

/** The running controller of a state directory, if its process is alive. */
export async function readEndpoint(stateDir: string): Promise<ControllerEndpoint | undefined> {
  let endpoint: ControllerEndpoint;
  try {
    endpoint = JSON.parse(await readFile(endpointPath(stateDir), 'utf8')) as ControllerEndpoint;
  } catch {
    return undefined;
  }
  try {
    process.kill(endpoint.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return endpoint;
}
