/**
 * The parts of undici the transport uses: Agent, EnvHttpProxyAgent, and the request API
 * (`request`, `stream`, ...) on Dispatcher. undici's index.js loads all of undici with them
 * (fetch, WebSocket, EventSource, cookies, cache stores, mocks, and Node's web streams, zlib and
 * its own built-in undici through them): 1.1 MB in the CLI bundle, which every `ferry` run that
 * makes a request compiled and ran. These are the modules index.js loads for these exports, and
 * the prototype assignment it makes; half the size, and a no-op `apply --refresh` starts sooner.
 */
import Agent from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';

Object.assign(Dispatcher.prototype, api);

export { Agent, EnvHttpProxyAgent };
