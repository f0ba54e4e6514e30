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

  /** Runs one call on the worker; rejects if the worker crashes meanwhile, or terminates it when `signal` aborts. */
  async call<T>(use: (remote: Remote<Api>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const { remote, crashed } = this.#start();
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener(
        'abort',
        () => {
          // A long WASM call cannot be interrupted: the worker goes, the next call starts a fresh one.
          this.restart(new WorkerCrashedError(`The ${this.label} was stopped.`));
          reject(signal.reason);
        },
        { once: true },
      );
    });
    return Promise.race([use(remote), crashed, aborted]);
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
