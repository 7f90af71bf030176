import type { Dispatcher } from 'undici';
import { Agent, EnvHttpProxyAgent } from './undici-parts.js';

export interface DispatcherOptions {
  /** Connections per origin (undici keeps one pool per origin). */
  perHost: number;
  /** Idle limit while waiting for headers and between body chunks, ms. */
  timeoutMs: number;
  /** Proxy URL for http and https; NO_PROXY still applies. Else the *_PROXY variables. */
  proxy?: string;
  /** Tunnel plain-http requests with CONNECT too (https always is). Default false. */
  proxyTunnel?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The undici dispatcher of a fetcher: an Agent (one Pool per origin, `perHost` connections
 * each) or, when a proxy is configured or named by HTTP_PROXY / HTTPS_PROXY, an
 * EnvHttpProxyAgent, which sends proxied origins through undici's ProxyAgent and the NO_PROXY
 * ones straight through. Through a proxy, https goes in a CONNECT tunnel and plain http is
 * forwarded as an absolute-form GET (what squid and most proxies allow; many refuse CONNECT to
 * ports other than 443), unless `proxyTunnel` asks for CONNECT there too.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const env = options.env ?? process.env;
  const agentOptions = {
    connections: options.perHost,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: Math.min(options.timeoutMs, 30_000),
  };
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  const proxyOptions = { ...agentOptions, proxyTunnel: options.proxyTunnel ?? false };
  if (options.proxy) {
    return new EnvHttpProxyAgent({ ...proxyOptions, httpProxy: options.proxy, httpsProxy: options.proxy, noProxy });
  }
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY;
  if (httpProxy || httpsProxy) {
    return new EnvHttpProxyAgent({
      ...proxyOptions,
      httpProxy: httpProxy ?? '',
      httpsProxy: httpsProxy ?? httpProxy ?? '',
      noProxy,
    });
  }
  return new Agent(agentOptions);
}
