import { FerryError } from '../core/ferry-error.js';
import { redactUrl } from '../core/redact.js';
import { networkError, type OpenedResponse } from './send-request.js';
import type { StatsCounter } from './transport-stats.js';

/**
 * Reads a response body into one Buffer, counting bytes, refusing more than `maxBytes`
 * (FERRY_SIZE_MISMATCH) and turning a broken stream into FERRY_NETWORK.
 */
export async function readBody(response: OpenedResponse, options: { maxBytes: number; stats: StatsCounter }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const host = response.target.url.host;
  const url = redactUrl(response.target.url.href);
  const announced = Number(response.headers['content-length']);
  if (Number.isSafeInteger(announced) && announced > options.maxBytes) {
    response.body.destroy();
    throw tooBig(url, options.maxBytes, announced);
  }
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      options.stats.bytes(host, chunk.length);
      if (length > options.maxBytes) {
        response.body.destroy();
        throw tooBig(url, options.maxBytes, length);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof FerryError) throw e;
    throw networkError(response.target, e);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
}

function tooBig(url: string, maxBytes: number, actual: number): FerryError {
  return new FerryError('FERRY_SIZE_MISMATCH', `${url}: body larger than the limit of ${maxBytes} bytes`, {
    url,
    expected: `<=${maxBytes}`,
    actual,
  });
}
