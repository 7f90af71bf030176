/**
 * Gitea (and Forgejo) push webhooks: `X-Gitea-Signature: <hex HMAC-SHA256 of the raw body>`
 * (newer versions also send GitHub's X-Hub-Signature-256, accepted as well).
 */
import { hmacSha256Hex, safeEqual } from './constant-time.js';
import { verifyHubSignature } from './github-hook.js';
import { obj, parseJson, pushVerdict, str, type HookRequest, type HookTarget, type HookVerdict } from './hook-types.js';

export function parseGiteaHook(req: HookRequest, target: HookTarget, secret: string): HookVerdict {
  const plain = req.headers['x-gitea-signature'] ?? req.headers['x-forgejo-signature'];
  const ok = plain ? !!secret && safeEqual(plain.trim().toLowerCase(), hmacSha256Hex(secret, req.body)) : verifyHubSignature(req.headers['x-hub-signature-256'], secret, req.body);
  if (!ok) return { status: 401, reason: 'bad or missing X-Gitea-Signature' };
  const event = req.headers['x-gitea-event'] ?? req.headers['x-forgejo-event'] ?? 'unknown';
  const payload = parseJson(req.body);
  if (!payload) return { status: 400, reason: 'the body is not a JSON object' };
  if (event !== 'push') return { status: 202, accepted: false, event, reason: `event ${event} is not used` };
  if (target.project && str(obj(payload.repository).full_name) !== target.project) return { status: 202, accepted: false, event, reason: 'another repository' };
  return pushVerdict(event, str(payload.ref), str(payload.after), target);
}
