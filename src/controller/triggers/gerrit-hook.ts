/**
 * Gerrit's webhooks plugin: JSON events, no signature. The secret is the token in the path
 * (`/hooks/gerrit/<token>`), compared in constant time. Only `ref-updated` and `change-merged`
 * on the tracked branch count; `refs/changes/*` (patchsets) and `refs/meta/*` are ignored.
 * The payload's newRev is passed on as a hint only: the controller fetches and resolves.
 */
import { safeEqualAny } from './constant-time.js';
import { obj, parseJson, pushVerdict, str, type HookRequest, type HookTarget, type HookVerdict } from './hook-types.js';

export function parseGerritHook(req: HookRequest, target: HookTarget, tokens: readonly string[]): HookVerdict {
  if (!req.pathToken || tokens.length === 0 || !safeEqualAny(req.pathToken, tokens)) return { status: 401, reason: 'unknown token' };
  const payload = parseJson(req.body);
  if (!payload) return { status: 400, reason: 'the body is not a JSON object' };
  const type = str(payload.type) ?? 'unknown';
  if (type === 'ref-updated') {
    const update = obj(payload.refUpdate);
    if (target.project && str(update.project) !== target.project) return { status: 202, accepted: false, event: type, reason: 'another project' };
    return pushVerdict(type, str(update.refName), str(update.newRev), target);
  }
  if (type === 'change-merged') {
    const change = obj(payload.change);
    if (target.project && str(change.project) !== target.project) return { status: 202, accepted: false, event: type, reason: 'another project' };
    const branch = str(change.branch);
    return pushVerdict(type, branch && !branch.startsWith('refs/') ? `refs/heads/${branch}` : branch, str(payload.newRev), target);
  }
  return { status: 202, accepted: false, event: type, reason: `event ${type} is not used` };
}
