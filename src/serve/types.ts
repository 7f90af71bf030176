import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One piece of Ferry's HTTP surface. Resolves `true` when it answered the request, `false`
 * when the path is not its own, so that several handlers (snapshot tree, webhooks, status,
 * metrics) share one server: the server tries them in order and answers 404 when none claims it.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
