import { Worker } from 'node:worker_threads';
import { ProtocolError } from '@chemveil/core';
import type { CiphertextBlinding, EvaluationPlan, SessionKeyBytes } from '@chemveil/core';
import type { PlanResult, WorkerReply, WorkerRequest, WorkerStats } from './messages.ts';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Task {
  build: (worker: PoolWorker) => { request: Request; transfer: ArrayBuffer[] };
  /** Ciphertexts this task evaluates (what the queue limit counts). */
  weight: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onDone?: (worker: PoolWorker) => void;
  /** After a failure the input is to blame for (not a lost worker): e.g. free keys the worker loaded before failing. */
  onFailed?: (worker: PoolWorker) => void;
  /** Times this task was handed back to the queue because its worker died under it. */
  retries?: number;
}

/**
 * The worker died under a task (a restart), or its WASM instance broke (an abort, a wild memory access: after that
 * every call fails). The task may go to a fresh worker once; if it breaks that one too, it was the input's fault
 * and its own error (`inputError`, e.g. MALFORMED_KEYS) is the answer.
 */
class WorkerLostError extends ProtocolError {
  constructor(readonly inputError?: ProtocolError) {
    super('INTERNAL', 'the evaluation worker stopped');
  }
}

/**
 * A worker left idle with no sessions is replaced by a fresh one when its SEAL heap is this much larger than
 * right after it loaded the models: a WASM memory never shrinks, so this is how the server's memory returns to
 * its baseline once a burst of sessions is gone (a fresh worker costs one model load; small growth is kept).
 */
const RECYCLE_HEAP_GROWTH = 1.05;

/** Messages of a SEAL WASM instance that can no longer be trusted. */
const BROKEN_INSTANCE =
  /Aborted\(|out of bounds|pool is uninitialized|unreachable|RuntimeError|out of memory|indirect call|null function|signature mismatch|integer overflow|divide by zero|call stack/i;

interface PoolWorker {
  index: number;
  thread: Worker;
  busy?: { id: number; task: Task };
  /** Sessions whose keys this worker has loaded. */
  sessions: Set<string>;
  /** SEAL heap right after the models were loaded: what an idle worker returns to when recycled. */
  modelsHeapBytes: number;
}

/** What the pool needs of a session (kept by the session store). */
export interface PoolSession {
  id: string;
  modelId: string;
  /** The client's original seeded bytes: workers load them on first use (re-saving would lose the seeds). */
  keys: SessionKeyBytes;
  closed: boolean;
}

const bootstrap = new URL('./bootstrap.mjs', import.meta.url);
const entry = new URL('./worker.ts', import.meta.url).href;

/**
 * Worker threads that do the HE math, so the event loop never blocks on it. One task per worker at a time; the
 * rest wait in a FIFO whose length (in ciphertexts) is capped: beyond it requests get 429. A partition request
 * is split across the workers, so one client alone keeps every core busy.
 */
export class EvaluationPool {
  readonly #workers: PoolWorker[] = [];
  readonly #queue: Task[] = [];
  readonly #models = new Map<string, { bundle: Uint8Array; plan: EvaluationPlan }>();
  #queuedCiphertexts = 0;
  #nextId = 1;
  #closed = false;
  #retriedTasks = 0;
  /** Rolling mean ms per ciphertext, for Retry-After. */
  #msPerCiphertext = 200;

  constructor(
    readonly size: number,
    private readonly maxQueuedCiphertexts: number,
    private readonly log: (message: string) => void = () => {},
    /** Deadline for a task that evaluates nothing (opening a session); ciphertexts add to it. */
    readonly taskTimeoutBaseMs = 20_000,
    /**
     * Each worker's JavaScript heap (V8 old generation, MiB): past it the thread dies and is replaced like a crashed
     * one. SEAL's WASM memory is not part of it; the session-memory cap bounds that (docs/server.md).
     */
    readonly workerHeapMb = 1024,
  ) {
    for (let i = 0; i < size; i++) this.#workers.push(this.#spawn(i));
  }

  get queuedCiphertexts(): number {
    return this.#queuedCiphertexts;
  }

  /** Tasks run again after their worker was lost (diagnostics and the fault tests). */
  get retriedTasks(): number {
    return this.#retriedTasks;
  }

  /** The limits worker `index` runs under (as its thread reports them). */
  resourceLimits(index: number): Worker['resourceLimits'] {
    return this.#workers[index]?.thread.resourceLimits;
  }

  /** Whether worker `index` is evaluating ciphertexts right now (fault tests kill it exactly then). */
  isEvaluating(index: number): boolean {
    return (this.#workers[index]?.busy?.task.weight ?? 0) > 0;
  }

  #spawn(index: number): PoolWorker {
    const thread = new Worker(bootstrap, {
      workerData: { entry },
      name: `chemveil-evaluation-${index}`,
      resourceLimits: { maxOldGenerationSizeMb: this.workerHeapMb },
    });
    const worker: PoolWorker = { index, thread, sessions: new Set(), modelsHeapBytes: 0 };
    thread.on('message', (reply: WorkerReply) => this.#onReply(worker, reply));
    thread.on('error', (error) => this.log(`evaluation worker ${index} failed: ${error.message}`));
    thread.on('exit', (code) => this.#onExit(worker, code));
    // A respawned worker loads every model before it takes tasks (it handles messages in order).
    for (const [modelId, model] of this.#models) void this.#loadModel(worker, modelId, model).catch(() => undefined);
    return worker;
  }

  readonly #pending = new Map<number, { worker: PoolWorker; resolve: (value: unknown) => void; reject: (error: Error) => void }>(); // prettier-ignore

  #post(worker: PoolWorker, request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      worker.thread.postMessage({ ...request, id } as WorkerRequest, transfer);
    });
  }

  #onReply(worker: PoolWorker, reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (!pending) return;
    if (reply.ok) return pending.resolve(reply.value);
    if (!BROKEN_INSTANCE.test(reply.error.message)) return pending.reject(new ProtocolError(reply.error.code, reply.error.message)); // prettier-ignore
    // The WASM instance is broken for good while the thread lives on: swap in a fresh worker now (before anything
    // else is dispatched to it), end the old one, and let the task try once more on a healthy instance.
    const code = reply.error.code === 'INTERNAL' ? 'MALFORMED_CIPHERTEXT' : reply.error.code;
    const what = reply.error.message.split(':')[0];
    pending.reject(new WorkerLostError(new ProtocolError(code, `${what}: SEAL could not process these bytes`)));
    if (this.#workers[worker.index] === worker) {
      this.log(`evaluation worker ${worker.index}: SEAL instance broken; replacing the worker`);
      this.#replace(worker);
      void worker.thread.terminate();
    }
  }

  #onExit(worker: PoolWorker, code: number): void {
    if (this.#closed) return;
    // A WASM abort kills the thread: fail what it was doing, forget its sessions, start a fresh one.
    this.log(`evaluation worker ${worker.index} exited (code ${code}); restarting it`);
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(id);
      pending.reject(new WorkerLostError());
    }
    if (this.#workers[worker.index] === worker) this.#replace(worker);
  }

  #replace(worker: PoolWorker): void {
    this.#workers[worker.index] = this.#spawn(worker.index);
    this.#dispatch();
  }

  /** Encodes a model's weights in every worker (once; a restarted worker does it again). */
  async loadModel(modelId: string, bundle: Uint8Array, plan: EvaluationPlan): Promise<void> {
    this.#models.set(modelId, { bundle, plan });
    await Promise.all(this.#workers.map((w) => this.#loadModel(w, modelId, { bundle, plan })));
  }

  async #loadModel(worker: PoolWorker, modelId: string, model: { bundle: Uint8Array; plan: EvaluationPlan }) {
    const stats = (await this.#post(worker, { type: 'load-model', modelId, ...model })) as WorkerStats;
    worker.modelsHeapBytes = stats.sealHeapBytes;
  }

  /** Chooses a plan (featurized sample molecules, measured error) on whichever worker is free; see selectPlan. */
  plan(bundle: Uint8Array, samples: string[], maskBits?: number): Promise<PlanResult> {
    return this.#enqueue({ weight: 0, build: () => ({ request: { type: 'plan', bundle, samples, maskBits }, transfer: [] }) }) as Promise<PlanResult>; // prettier-ignore
  }

  /** Loads and checks a session's keys on one worker (the typed failures become the upload's answer). */
  async openSession(session: PoolSession): Promise<void> {
    await this.#enqueue({
      weight: 0,
      build: () => ({ request: { type: 'open-session', sessionId: session.id, modelId: session.modelId, keys: session.keys }, transfer: [] }), // prettier-ignore
      onDone: (worker) => this.#holds(worker, session),
    });
  }

  /**
   * Evaluates partition k on every ciphertext, split across the workers; results in input order. `blinding` (one
   * per ciphertext) travels with its ciphertext as copied Float64Arrays: the caller keeps the masks.
   */
  async evaluate(
    session: PoolSession,
    partition: number,
    ciphertexts: Uint8Array[],
    blinding?: CiphertextBlinding[],
  ): Promise<Uint8Array[]> {
    if (this.#queuedCiphertexts + ciphertexts.length > this.maxQueuedCiphertexts) {
      const seconds = Math.ceil((this.#queuedCiphertexts * this.#msPerCiphertext) / this.size / 1000);
      throw new ProtocolError('OVER_CAPACITY', `the server has ${this.#queuedCiphertexts} ciphertexts waiting; retry in ${seconds} s`, { retryAfterSeconds: Math.max(1, seconds) }); // prettier-ignore
    }
    const chunks = Math.min(this.size, ciphertexts.length);
    const per = Math.ceil(ciphertexts.length / chunks);
    const parts: Promise<Uint8Array[]>[] = [];
    for (let start = 0; start < ciphertexts.length; start += per) {
      // Own copies, transferred: a view into the request body would clone the whole body per worker.
      const slice = ciphertexts.slice(start, start + per).map((c) => new Uint8Array(c));
      parts.push(this.#evaluateChunk(session, partition, slice, blinding?.slice(start, start + per)));
    }
    return (await Promise.all(parts)).flat();
  }

  #evaluateChunk(
    session: PoolSession,
    partition: number,
    ciphertexts: Uint8Array[],
    blinding?: CiphertextBlinding[],
  ): Promise<Uint8Array[]> {
    const started = performance.now();
    let sentKeys = false;
    return this.#enqueue({
      weight: ciphertexts.length,
      build: (worker) => {
        if (session.closed) throw new ProtocolError('SESSION_EXPIRED', 'the session expired while queued');
        const keys = worker.sessions.has(session.id) ? undefined : session.keys;
        sentKeys = keys !== undefined;
        // Copies are transferred, the originals kept: a task whose worker dies is sent again to another one.
        const copies = ciphertexts.map((c) => c.slice());
        return {
          request: { type: 'evaluate', sessionId: session.id, modelId: session.modelId, partition, ciphertexts: copies, keys, blinding }, // prettier-ignore
          transfer: copies.map((c) => c.buffer as ArrayBuffer),
        };
      },
      onDone: (worker) => {
        this.#holds(worker, session);
        const ms = (performance.now() - started) / ciphertexts.length;
        this.#msPerCiphertext = 0.8 * this.#msPerCiphertext + 0.2 * ms;
      },
      // The keys may have loaded before a ciphertext was refused: the worker holds them, the pool does not know.
      onFailed: (worker) => {
        if (sentKeys) this.#release(worker, session.id);
      },
    }) as Promise<Uint8Array[]>;
  }

  /** Frees a session's keys in every worker that loaded them. */
  dropSession(sessionId: string): void {
    for (const worker of this.#workers) if (worker.sessions.has(sessionId)) this.#release(worker, sessionId);
  }

  /**
   * Records that a worker holds a session's keys once a task that loaded them is done. A session closed meanwhile
   * (deleted, expired or evicted while its task ran) was dropped before the pool knew this worker held it: free
   * the keys now, or they would stay loaded and the worker would never look empty (and never be recycled).
   */
  #holds(worker: PoolWorker, session: PoolSession): void {
    if (session.closed) this.#release(worker, session.id);
    else worker.sessions.add(session.id);
  }

  /** Frees a session's keys in one worker; a replaced worker took its keys with it. */
  #release(worker: PoolWorker, sessionId: string): void {
    worker.sessions.delete(sessionId);
    if (this.#workers[worker.index] !== worker || this.#closed) return;
    this.#post(worker, { type: 'drop-session', sessionId }).then(
      (stats) => this.#recycleIfGrown(worker, stats as WorkerStats),
      () => undefined,
    );
  }

  /** See RECYCLE_HEAP_GROWTH. Checked when a worker answers a drop: it is idle and empty only if nothing came since. */
  #recycleIfGrown(worker: PoolWorker, stats: WorkerStats): void {
    const idle = worker.sessions.size === 0 && !worker.busy && this.#workers[worker.index] === worker && !this.#closed;
    if (!idle || worker.modelsHeapBytes === 0 || stats.sealHeapBytes <= worker.modelsHeapBytes * RECYCLE_HEAP_GROWTH) return; // prettier-ignore
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    this.log(`evaluation worker ${worker.index}: idle, SEAL heap ${mb(stats.sealHeapBytes)} MiB (${mb(worker.modelsHeapBytes)} MiB with models alone); recycling it`); // prettier-ignore
    this.#replace(worker);
    void worker.thread.terminate();
  }

  #enqueue(task: Omit<Task, 'resolve' | 'reject'>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ProtocolError('SHUTTING_DOWN', 'the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...task, resolve, reject });
      this.#queuedCiphertexts += task.weight;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (worker.busy || this.#queue.length === 0) continue;
      const task = this.#queue.shift()!;
      let built: ReturnType<Task['build']>;
      try {
        built = task.build(worker);
      } catch (error) {
        this.#queuedCiphertexts -= task.weight;
        task.reject(error as Error);
        this.#dispatch();
        return;
      }
      const id = this.#nextId;
      worker.busy = { id, task };
      // A task that never finishes (SEAL stuck on crafted bytes) would hold the worker forever: past a generous
      // deadline the worker is replaced and the task retried once, then refused as the input's fault. Planning
      // (the owner's own models, at startup) has no deadline.
      const deadline =
        built.request.type === 'plan'
          ? undefined
          : setTimeout(() => {
              if (worker.busy?.id !== id || this.#workers[worker.index] !== worker) return;
              this.log(`evaluation worker ${worker.index}: task ${id} exceeded ${this.#taskTimeoutMs(task)} ms; replacing the worker`); // prettier-ignore
              const pending = this.#pending.get(id);
              this.#pending.delete(id);
              pending?.reject(new WorkerLostError(new ProtocolError('MALFORMED_CIPHERTEXT', 'the evaluation did not finish in time: the input was refused'))); // prettier-ignore
              this.#replace(worker);
              void worker.thread.terminate();
            }, this.#taskTimeoutMs(task));
      this.#post(worker, built.request, built.transfer).then(
        (value) => {
          task.onDone?.(worker);
          task.resolve(value);
        },
        (error: Error) => {
          // Evaluation is pure: a task whose worker died is queued again once, at the front; the replacement
          // worker loads the session's keys from their original bytes.
          if (error instanceof WorkerLostError && (task.retries ?? 0) < 1 && !this.#closed) {
            task.retries = (task.retries ?? 0) + 1;
            this.#retriedTasks++;
            this.#queue.unshift(task);
            this.#queuedCiphertexts += task.weight;
          } else {
            if (!(error instanceof WorkerLostError)) task.onFailed?.(worker);
            task.reject(error instanceof WorkerLostError && error.inputError ? error.inputError : error);
          }
        },
      ).finally(() => {
        clearTimeout(deadline);
        this.#queuedCiphertexts -= task.weight;
        if (worker.busy?.id === id) worker.busy = undefined;
        this.#dispatch();
      }); // prettier-ignore
    }
  }

  /** 20 s plus 5 s per ciphertext: an order of magnitude above a loaded machine's ~0.4 s per ciphertext. */
  #taskTimeoutMs(task: Task): number {
    return this.taskTimeoutBaseMs + 5_000 * task.weight;
  }

  /** Each worker's SEAL heap and loaded sessions (a worker recycled meanwhile: its replacement's). */
  async stats(): Promise<WorkerStats[]> {
    const ask = (index: number) => this.#post(this.#workers[index]!, { type: 'stats' }) as Promise<WorkerStats>;
    return Promise.all(this.#workers.map((_, index) => ask(index).catch(() => ask(index))));
  }

  /**
   * Stops a worker thread (fault tests; or to give its WASM heap back to the system, which a WASM memory never
   * does by itself). Its in-flight task is retried elsewhere, and a fresh worker with every model takes its place.
   */
  async restartWorker(index: number): Promise<void> {
    await this.#workers[index]?.thread.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new ProtocolError('SHUTTING_DOWN', 'the server is shutting down')); // prettier-ignore
    for (const pending of this.#pending.values()) pending.reject(new ProtocolError('SHUTTING_DOWN', 'the server is shutting down')); // prettier-ignore
    this.#pending.clear();
    await Promise.all(this.#workers.map((w) => w.thread.terminate()));
  }
}
