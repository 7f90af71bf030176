/**
 * GitHub push webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`,
 * checked in constant time before the body is parsed. `ping` is acknowledged and ignored.
 */
import { hmacSha256Hex, safeEqual } from './constant-time.js';
import { obj, parseJson, pushVerdict, str, type HookRequest, type HookTarget, type HookVerdict } from './hook-types.js';

export function verifyHubSignature(header: string | undefined, secret: string, body: Buffer): boolean {
  if (!header || !secret) return false;
  return safeEqual(header.trim().toLowerCase(), `sha256=${hmacSha256Hex(secret, body)}`);
}

export function parseGithubHook(req: HookRequest, target: HookTarget, secret: string): HookVerdict {
  if (!verifyHubSignature(req.headers['x-hub-signature-256'], secret, req.body)) return { status: 401, reason: 'bad or missing X-Hub-Signature-256' };
  const event = req.headers['x-github-event'] ?? 'unknown';
  const payload = parseJson(req.body);
  if (!payload) return { status: 400, reason: 'the body is not a JSON object' };
  if (event !== 'push') return { status: 202, accepted: false, event, reason: `event ${event} is not used` };
  if (target.project && str(obj(payload.repository).full_name) !== target.project) return { status: 202, accepted: false, event, reason: 'another repository' };
  return pushVerdict(event, str(payload.ref), str(payload.after), target);
}
