/** Child process of the killed-download test: downloads argv[2] to argv[3] until killed. */
import { createHttpFetcher } from '../../../src/transport/http-fetcher.js';

const [url, dest, sha256, size] = process.argv.slice(2);
const fetcher = createHttpFetcher({ retries: 0, resumeMinBytes: 0 });
await fetcher.download(url, dest, { sha256, size: Number(size) });
await fetcher.close();
