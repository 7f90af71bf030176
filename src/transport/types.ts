/**
 * The transport boundary: everything Ferry takes from upstream goes through a Fetcher.
 * The real one (http-fetcher.ts) is undici + host limits + retry + streaming verification;
 * tests pass the in-memory fake (fake-fetcher.ts) or a real one pointed at 127.0.0.1.
 * Every call takes an AbortSignal.
 */
export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * The scope a Bearer challenge for this request names (`repository:library/alpine:pull`):
   * tokens are cached per origin and scope, so a request with a known scope sends the cached
   * token at once instead of meeting a 401 first. Optional: the challenge names it anyway.
   */
  authScope?: string;
}

export interface GetOptions extends RequestOptions {
  /** Conditional request: a 304 answer gives `notModified: true` and an empty body. */
  etag?: string;
  lastModified?: string;
  /** Refuse bodies larger than this (indexes are read into memory). Default 1 GiB. */
  maxBytes?: number;
  /** Return 404/410 as a result (status set, empty body) instead of throwing. */
  allowNotFound?: boolean;
}

export interface GetResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  notModified: boolean;
  etag?: string;
  lastModified?: string;
}

export interface DownloadOptions extends RequestOptions {
  /** Expected lowercase hex sha256: verified while streaming; a mismatch deletes the file. */
  sha256?: string;
  /** Expected size in bytes. */
  size?: number;
  /** Resume from what `dest` already holds (Range + If-Range), default true. */
  resume?: boolean;
  onProgress?: (received: number, total: number | undefined) => void;
  /**
   * fsync the file before resolving (default true). False when the caller makes many files
   * durable at once (BlobStore.adoptMany); a torn partial is caught by the digest next time.
   */
  durable?: boolean;
}

export interface DownloadResult {
  url: string;
  sha256: string;
  size: number;
  /** Bytes that crossed the network for this download (less than size when resumed). */
  bytesFetched: number;
  resumed: boolean;
}

export interface SendOptions extends RequestOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The body: bytes, or a file (streamed, sent again whole on a retry). */
  body?: Uint8Array | { file: string; size: number };
  /** Largest response body read into memory. Default 1 MiB. */
  maxBytes?: number;
}

export interface SendResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HostStats {
  requests: number;
  bytes: number;
  /** Attempts repeated after a transient failure. */
  retries: number;
  /** Downloads that continued a partial file. */
  resumed: number;
}

export interface TransportStats {
  requests: number;
  bytes: number;
  retries: number;
  resumed: number;
  byHost: Record<string, HostStats>;
}

export interface Fetcher {
  /** GETs a (small) resource into memory: indexes, manifests, Release files. */
  get(url: string, options?: GetOptions): Promise<GetResult>;
  /**
   * Streams `url` into the file `dest` (created or, when resuming, appended), hashing as it
   * goes. Resolves only when size and sha256 match what was expected; on mismatch `dest` is
   * removed and a FERRY_DIGEST_MISMATCH / FERRY_SIZE_MISMATCH error names url, expected, actual.
   */
  download(url: string, dest: string, options?: DownloadOptions): Promise<DownloadResult>;
  /**
   * One request of any method (a registry push: HEAD, POST, PATCH, PUT). Resolves with any
   * final status but 401 (answered by the challenge hook when it can), 429 and 5xx (retried,
   * then thrown as FERRY_HTTP_STATUS); network failures are retried and thrown as FERRY_NETWORK.
   * Redirects are followed for GET and HEAD only. The real and fake fetchers have it; test
   * doubles for drivers that only read may leave it out.
   */
  send?(url: string, options: SendOptions): Promise<SendResult>;
  /** Counters since creation (or the last reset). */
  stats(): TransportStats;
  resetStats(): void;
  close(): Promise<void>;
}
