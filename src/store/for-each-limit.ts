/** Runs `fn` over items with at most `limit` promises pending; stops at the first error or abort. */
export async function forEachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed = false;
  const worker = async () => {
    for (;;) {
      if (failed) return;
      signal?.throwIfAborted();
      const r = it.next();
      if (r.done) return;
      try {
        await fn(r.value);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}
