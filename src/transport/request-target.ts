import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';

/**
 * Where a request goes: the URL without its userinfo, and the Basic credentials taken out of
 * it as an Authorization header. Credentials never travel in the URL, so they never reach a
 * log line, an error or a result.
 */
export interface RequestTarget {
  url: URL;
  authorization?: string;
}

export function toTarget(url: string): RequestTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new FerryError('FERRY_USAGE', `not a URL: ${redactUrl(url)}`, { url: redactUrl(url) }, cause);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FerryError('FERRY_USAGE', `unsupported URL scheme ${parsed.protocol}`, { url: redactUrl(url) });
  }
  let authorization: string | undefined;
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  return { url: parsed, authorization };
}

/**
 * The target of a redirect: `location` resolved against the current URL. Credentials follow
 * only to the same origin; a redirect to another scheme than http(s) is refused.
 */
export function redirectTarget(from: RequestTarget, location: string): RequestTarget {
  let next: URL;
  try {
    next = new URL(location, from.url);
  } catch (cause) {
    throw new FerryError('FERRY_NETWORK', `bad redirect from ${redactUrl(from.url.href)}`, { url: redactUrl(from.url.href) }, cause);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new FerryError('FERRY_NETWORK', `redirect to unsupported scheme ${next.protocol}`, { url: redactUrl(from.url.href) });
  }
  if (next.username || next.password) return toTarget(next.href);
  const sameOrigin = next.origin === from.url.origin;
  return { url: next, authorization: sameOrigin ? from.authorization : undefined };
}
