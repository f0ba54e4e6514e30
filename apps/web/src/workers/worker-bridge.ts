// Squoosh's bridge pattern, shared by both workers: the only `new Worker` + `wrap`, a lazy start, a restart after
// a crash, and calls that fail (instead of hanging forever) when their worker dies or their signal aborts.
import { releaseProxy, wrap, type Remote } from 'comlink';

export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}

export class WorkerBridge<Api> {
  #worker: Worker | undefined;
  #remote: Remote<Api> | undefined;
  #crashed: Promise<never> | undefined;
  #crash: ((error: Error) => void) | undefined;
  /** Bumped whenever a worker goes away, so owners can tell their worker-side state (e.g. keys) is gone. */
  generation = 0;

  constructor(
    private readonly create: () => Worker,
    private readonly label: string,
  ) {}

  #start(): { remote: Remote<Api>; crashed: Promise<never> } {
    if (!this.#remote || !this.#crashed) {
      const worker = this.create();
      this.#worker = worker;
      this.#remote = wrap<Api>(worker);
      this.#crashed = new Promise<never>((_, reject) => (this.#crash = reject));
      this.#crashed.catch(() => undefined);
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.restart(new WorkerCrashedError(`The ${this.label} stopped unexpectedly (${event.message || 'crash'}).`));
      });
    }
    return { remote: this.#remote, crashed: this.#crashed };
  }

  /**
   * Runs one call on the worker; rejects if the worker crashes meanwhile, or when `signal` aborts. On abort, `cancel`
   * (when given) asks the worker to stop the call; without it the worker is terminated (a long WASM call cannot be
   * interrupted: the next call starts a fresh worker).
   */
  async call<T>(
    use: (remote: Remote<Api>) => Promise<T>,
    signal?: AbortSignal,
    cancel?: (remote: Remote<Api>) => Promise<unknown>,
  ): Promise<T> {
    signal?.throwIfAborted();
    const { remote, crashed } = this.#start();
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (cancel) cancel(remote).catch(() => undefined);
        else this.restart(new WorkerCrashedError(`The ${this.label} was stopped.`));
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([use(remote), crashed, aborted]);
    } finally {
      signal?.removeEventListener('abort', onAbort); // a later abort is not this call's
    }
  }

  /** Terminates the worker (a crash, an abort, or a test); pending calls reject, the next call starts a new one. */
  restart(reason: Error = new WorkerCrashedError(`The ${this.label} was restarted.`)): void {
    if (this.#worker) this.generation++;
    this.#crash?.(reason);
    if (this.#remote) this.#remote[releaseProxy]();
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#remote = undefined;
    this.#crashed = undefined;
    this.#crash = undefined;
  }
}
