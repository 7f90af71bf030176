/**
 * Strips credentials and query strings from URLs before they reach a log line or an error
 * message (query strings often hold tokens).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    if (u.search) u.search = '?***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@').replace(/\?.*$/, '?***');
  }
}
