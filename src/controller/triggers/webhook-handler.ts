/**
 * The webhook routes, as a handler for the shared HTTP server:
 *
 *   POST /hooks/gerrit/<token>   Gerrit webhooks plugin (the token in the path is the secret)
 *   POST /hooks/github           X-Hub-Signature-256
 *   POST /hooks/gitea            X-Gitea-Signature
 *   POST /hooks/gitlab           X-Gitlab-Token
 *
 * Bodies are limited (413 past the limit). Answers at once: 401 for a bad secret (nothing else
 * happens), 202 for an authentic request (with `accepted` telling whether it triggers a run),
 * 404 for a provider that is not configured. The run itself happens later, in the loop. Log
 * lines name the provider and the verdict, never the path (it holds Gerrit's token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import { BodyTooLarge, lingerAndClose, readBody, sendJson } from '../http/read-body.js';
import { parseGerritHook } from './gerrit-hook.js';
import { parseGiteaHook } from './gitea-hook.js';
import { parseGithubHook } from './github-hook.js';
import { parseGitlabHook } from './gitlab-hook.js';
import type { HookRequest, HookTarget, HookVerdict } from './hook-types.js';

export interface WebhookSecrets {
  gerritTokens?: string[];
  github?: string;
  gitea?: string;
  gitlab?: string;
}

export interface WebhookHandlerOptions {
  target: HookTarget;
  secrets: WebhookSecrets;
  /** Called for an authentic event about the tracked branch. */
  onTrigger(trigger: { by: string; hint?: string }): void;
  /** Called for every verdict (metrics). */
  onVerdict?(provider: string, verdict: HookVerdict): void;
  logger?: Logger;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
}

type Provider = 'gerrit' | 'github' | 'gitea' | 'gitlab';

function route(url: string | undefined): { provider: Provider; token?: string } | undefined {
  const path = (url ?? '').split('?')[0];
  const gerrit = /^\/hooks\/gerrit\/([^/]+)$/.exec(path);
  if (gerrit) return { provider: 'gerrit', token: decodeURIComponent(gerrit[1]) };
  const other = /^\/hooks\/(github|gitea|gitlab)\/?$/.exec(path);
  if (other) return { provider: other[1] as Provider };
  if (path === '/hooks/gerrit' || path === '/hooks/gerrit/') return { provider: 'gerrit', token: '' };
  return undefined;
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function createWebhookHandler(options: WebhookHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const { secrets, target } = options;
  const configured: Record<Provider, boolean> = {
    gerrit: !!secrets.gerritTokens?.length,
    github: !!secrets.github,
    gitea: !!secrets.gitea,
    gitlab: !!secrets.gitlab,
  };
  return async (req, res) => {
    const r = route(req.url);
    if (!r) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return true;
    }
    if (!configured[r.provider]) {
      sendJson(res, 404, { error: `the ${r.provider} webhook is not configured` });
      return true;
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (e) {
      // Never rethrow: the server's error log would print the path, and Gerrit's token is in it.
      if (e instanceof BodyTooLarge) sendJson(res, 413, { error: e.message }); // no 'connection: close': the server would close at once and the unread upload would reset it; lingerAndClose closes it
      else if (!res.headersSent) sendJson(res, 400, { error: 'cannot read the request body' });
      options.logger?.warn('webhook body not read', { provider: r.provider, error: e instanceof BodyTooLarge ? e.message : String((e as Error).name) });
      if (e instanceof BodyTooLarge) lingerAndClose(req);
      else req.destroy();
      return true;
    }
    const hook: HookRequest = { headers: headersOf(req), body, pathToken: r.token };
    const verdict =
      r.provider === 'gerrit'
        ? parseGerritHook(hook, target, secrets.gerritTokens ?? [])
        : r.provider === 'github'
          ? parseGithubHook(hook, target, secrets.github ?? '')
          : r.provider === 'gitea'
            ? parseGiteaHook(hook, target, secrets.gitea ?? '')
            : parseGitlabHook(hook, target, secrets.gitlab ?? '');
    options.onVerdict?.(r.provider, verdict);
    if (verdict.status === 401) {
      options.logger?.warn('webhook rejected', { provider: r.provider, reason: verdict.reason, remote: req.socket.remoteAddress });
      sendJson(res, 401, { error: 'unauthorized' });
      return true;
    }
    if (verdict.status === 400) {
      sendJson(res, 400, { error: verdict.reason });
      return true;
    }
    if (verdict.accepted) {
      options.logger?.info('webhook accepted', { provider: r.provider, event: verdict.event, ref: verdict.ref, hint: verdict.hint });
      options.onTrigger({ by: `webhook:${r.provider}`, hint: verdict.hint });
      sendJson(res, 202, { accepted: true, event: verdict.event });
    } else {
      options.logger?.debug('webhook ignored', { provider: r.provider, event: verdict.event, reason: verdict.reason });
      sendJson(res, 202, { accepted: false, event: verdict.event, reason: verdict.reason });
    }
    return true;
  };
}
