import PQueue from 'p-queue';

/**
 * Two levels of p-queue: at most `perHost` tasks for one host and at most `concurrency` in all.
 * A task first waits for its host's queue, then for the global one, so a host with a long
 * backlog never holds global slots that other hosts could use.
 */
export class HostLimiter {
  private readonly global: PQueue;
  private readonly hosts = new Map<string, PQueue>();

  constructor(
    private readonly options: { concurrency: number; perHost: number },
  ) {
    this.global = new PQueue({ concurrency: options.concurrency });
  }

  run<T>(host: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let queue = this.hosts.get(host);
    if (!queue) {
      queue = new PQueue({ concurrency: this.options.perHost });
      this.hosts.set(host, queue);
    }
    const hostQueue = queue;
    return hostQueue.add(() => this.global.add(task, { signal }), { signal }).finally(() => {
      if (hostQueue.size === 0 && hostQueue.pending === 0) this.hosts.delete(host);
    });
  }

  /** Tasks running or waiting. */
  get load(): number {
    return this.global.size + this.global.pending;
  }
}
