/**
 * GitLab push webhooks: the secret comes back verbatim in `X-Gitlab-Token` (compared in
 * constant time); `X-Gitlab-Event: Push Hook`.
 */
import { safeEqual } from './constant-time.js';
import { obj, parseJson, pushVerdict, str, type HookRequest, type HookTarget, type HookVerdict } from './hook-types.js';

export function parseGitlabHook(req: HookRequest, target: HookTarget, secret: string): HookVerdict {
  const token = req.headers['x-gitlab-token'];
  if (!token || !secret || !safeEqual(token, secret)) return { status: 401, reason: 'bad or missing X-Gitlab-Token' };
  const event = req.headers['x-gitlab-event'] ?? 'unknown';
  const payload = parseJson(req.body);
  if (!payload) return { status: 400, reason: 'the body is not a JSON object' };
  if (event !== 'Push Hook') return { status: 202, accepted: false, event, reason: `event ${event} is not used` };
  if (target.project && str(obj(payload.project).path_with_namespace) !== target.project) return { status: 202, accepted: false, event, reason: 'another project' };
  return pushVerdict(event, str(payload.ref), str(payload.checkout_sha) ?? str(payload.after), target);
}
