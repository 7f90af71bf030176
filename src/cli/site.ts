/**
 * How a `ferry` verb finds the site it works on, as other daemons' CLIs do: the site's
 * configuration is the controller's ferry.yaml, at $FERRY_CONFIG or /etc/ferry/ferry.yaml. It
 * gives the state directory, the model source (and node) and the controller's address, so an
 * operator types `ferry status` or `ferry suspend` with no flags. Explicit flags and FERRY_STATE
 * win over it; a FERRY_CONFIG that cannot be read is an error, a missing default file is not.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { ControllerConfig } from '../controller/config/ferry-config.js';

export const DEFAULT_SITE_CONFIG = '/etc/ferry/ferry.yaml';
export const DEFAULT_STATE_DIR = './ferry-state';

export interface SiteConfig {
  path: string;
  config: ControllerConfig;
}

/** The ferry.yaml this process uses: FERRY_CONFIG when set, else /etc/ferry/ferry.yaml when present. */
export function siteConfigPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FERRY_CONFIG) return env.FERRY_CONFIG;
  return existsSync(DEFAULT_SITE_CONFIG) ? DEFAULT_SITE_CONFIG : undefined;
}

const loaded = new Map<string, Promise<SiteConfig>>();

/** The site configuration, or undefined when there is none (read once per process). */
export async function loadSiteConfig(env: NodeJS.ProcessEnv = process.env): Promise<SiteConfig | undefined> {
  const path = siteConfigPath(env);
  if (path === undefined) return undefined;
  let found = loaded.get(path);
  if (!found) {
    found = import('../controller/config/ferry-config.js').then(async ({ loadControllerConfig }) => ({ path, config: await loadControllerConfig(path) }));
    loaded.set(path, found);
  }
  return found;
}

/** The state directory a verb works on, and where that choice came from (for error messages). */
export async function resolveStateDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ dir: string; source: string }> {
  if (explicit) return { dir: explicit, source: '--state' };
  if (env.FERRY_STATE) return { dir: env.FERRY_STATE, source: 'FERRY_STATE' };
  const site = await loadSiteConfig(env);
  if (site) return { dir: site.config.stateDir, source: `stateDir of ${site.path}` };
  return { dir: DEFAULT_STATE_DIR, source: `the default ${DEFAULT_STATE_DIR}, as no --state, FERRY_STATE or ${DEFAULT_SITE_CONFIG} says otherwise` };
}

/**
 * The controller's address from the site's ferry.yaml (`listen`), for verbs that only read its
 * status: an operator who may not read the controller's 0600 `controller.json` still finds it.
 * Undefined without a configuration or with an ephemeral port; a wildcard host is asked on loopback.
 */
export async function siteControlUrl(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const site = await loadSiteConfig(env);
  if (!site || site.config.listen.port === 0) return undefined;
  const { host, port } = site.config.listen;
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

let operator: string | undefined;

/**
 * Who runs this command, for events (`by`): the sudo caller, else the login name, else the uid.
 * A uid without a passwd entry (a container's arbitrary uid) is named by number: os.userInfo()
 * throws for it (uv_os_get_passwd), which must not crash `ferry suspend` (issue 10).
 */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  if (operator !== undefined) return operator;
  if (env.SUDO_USER) operator = env.SUDO_USER;
  else {
    try {
      operator = userInfo().username;
    } catch {
      operator = env.USER || env.LOGNAME || `uid ${process.getuid?.() ?? '?'}`;
    }
  }
  return operator;
}

/**
 * Run as root on a state directory another user owns (the `ferry` service user), a verb that
 * writes into it becomes that user first: its group list, gid, then uid. Every file it creates
 * (suspended.json, events, history, blobs, snapshots) is then the service's own, never a
 * root-owned file the controller cannot replace or remove (issue 10). Returns the uid taken,
 * or undefined when nothing changed. The operator's name is taken before, for events.
 */
export async function actAsStateOwner(stateDir: string): Promise<number | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const owner = await stat(stateDir).catch(() => undefined);
  if (!owner || owner.uid === 0) return undefined;
  operatorName();
  try {
    (process as { initgroups?: (user: number, extraGroup: number) => void }).initgroups?.(owner.uid, owner.gid);
  } catch {
    // No passwd entry for that uid: its own group only.
    process.setgroups?.([owner.gid]);
  }
  process.setgid?.(owner.gid);
  process.setuid?.(owner.uid);
  return owner.uid;
}
