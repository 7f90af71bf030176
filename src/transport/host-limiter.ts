/**
 * Two levels of limits: at most `perHost` tasks for one host and at most `concurrency` in all.
 * A task first waits for its host's gate, then for the global one, so a host with a long
 * backlog never holds global slots that other hosts could use. Waiters go in FIFO order; one
 * whose signal aborts leaves the line with the signal's reason. Plain counters and arrays
 * rather than a queue library: this runs once per downloaded file, tens of thousands of times.
 */
export class HostLimiter {
  private readonly global: Gate;
  private readonly hosts = new Map<string, Gate>();

  constructor(private readonly options: { concurrency: number; perHost: number }) {
    this.global = new Gate(options.concurrency);
  }

  async run<T>(host: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let gate = this.hosts.get(host);
    if (!gate) {
      gate = new Gate(this.options.perHost);
      this.hosts.set(host, gate);
    }
    const hostGate = gate;
    await hostGate.enter(signal);
    try {
      await this.global.enter(signal);
      try {
        return await task();
      } finally {
        this.global.leave();
      }
    } finally {
      hostGate.leave();
      if (hostGate.idle) this.hosts.delete(host);
    }
  }

  /** Tasks running or waiting. */
  get load(): number {
    return this.global.running + this.global.waiting;
  }
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** A counting semaphore with a FIFO line. */
class Gate {
  running = 0;
  private readonly line: Waiter[] = [];

  constructor(private readonly limit: number) {}

  get waiting(): number {
    return this.line.length;
  }

  get idle(): boolean {
    return this.running === 0 && this.line.length === 0;
  }

  enter(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.limit && this.line.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.line.indexOf(waiter);
          if (i >= 0) this.line.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.line.push(waiter);
    });
  }

  leave(): void {
    this.running--;
    const next = this.line.shift();
    if (!next) return;
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    this.running++;
    next.resolve();
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('aborted'), { name: 'AbortError' });
}
