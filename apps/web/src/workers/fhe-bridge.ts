// The one owner of the FHE worker. Keys are generated there once per model (id, version, plan) per browser session
// and reused; when the worker crashes it restarts and the next prediction makes new keys (and a new server session).
import { transfer } from 'comlink';
import type { EncryptedInferenceClient, ModelSummary } from '@chemveil/core';
import type { FheWorkerApi } from './fhe.worker.ts';
import { WorkerBridge } from './worker-bridge.ts';

const bridge = new WorkerBridge<FheWorkerApi>(
  () => new Worker(new URL('./fhe.worker.ts', import.meta.url), { type: 'module', name: 'fhe' }),
  'encryption engine',
);

/** What a step of an encrypted query did, for the progress view. */
export type FheStep = { step: 'encrypt' | 'refresh' | 'decrypt'; partition?: number; ms: number };

/** Everything the plan's keys depend on: a changed model or plan gets new keys. */
export function keyIdFor(model: ModelSummary): string {
  const { parameters, galoisSteps, moleculesPerCiphertext } = model.plan;
  return JSON.stringify([model.id, model.version ?? '', parameters, galoisSteps, moleculesPerCiphertext]);
}

/** Each underlying buffer once: a server reply's blobs are views into one body buffer (transferred whole). */
const buffersOf = (blobs: Uint8Array[]) => [...new Set(blobs.map((b) => b.buffer as ArrayBuffer))];

/**
 * The protocol's EncryptedInferenceClient over the worker. One object per key set (the HTTP client keys its server
 * sessions on it); `listeners` see each step's timing.
 */
export class WorkerFheClient implements EncryptedInferenceClient {
  readonly listeners = new Set<(step: FheStep) => void>();
  /** Whether a prediction has used these keys yet (they may have been made in the background beforehand). */
  used = false;
  constructor(
    readonly keyId: string,
    readonly fingerprint: string,
    readonly keygenMs: number,
  ) {}

  async #timed<T>(step: FheStep['step'], partition: number | undefined, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await run();
    const event = { step, ...(partition !== undefined ? { partition } : {}), ms: performance.now() - started };
    this.listeners.forEach((listener) => listener(event));
    return result;
  }

  evaluationKeys() {
    return bridge.call((api) => api.evaluationKeys(this.keyId));
  }

  encryptFeatures(features: ArrayLike<number>[]) {
    return this.#timed('encrypt', undefined, () => bridge.call((api) => api.encrypt(this.keyId, features)));
  }

  refresh(partition: number, results: Uint8Array[], molecules: number) {
    return this.#timed('refresh', partition, () =>
      bridge.call((api) => api.refresh(this.keyId, partition, transfer(results, buffersOf(results)), molecules)),
    );
  }

  decryptOutputs(results: Uint8Array[], molecules: number) {
    return this.#timed('decrypt', undefined, async () => {
      const { raw } = await bridge.call((api) => api.decrypt(this.keyId, transfer(results, buffersOf(results)), molecules)); // prettier-ignore
      return raw;
    });
  }
}

const clients = new Map<string, { generation: number; client: Promise<WorkerFheClient> }>();

export const fheBridge = {
  /** This session's keys for the model: generated on first use (in the worker), then reused. */
  clientFor(model: ModelSummary, signal?: AbortSignal): Promise<WorkerFheClient> {
    const keyId = keyIdFor(model);
    const cached = clients.get(keyId);
    if (cached && cached.generation === bridge.generation) return cached.client;
    const client = bridge
      .call((api) => api.init(keyId, model.plan, model.head), signal)
      .then(({ fingerprint, keygenMs }) => new WorkerFheClient(keyId, fingerprint, keygenMs));
    // The generation is read after call() has (re)started the worker.
    clients.set(keyId, { generation: bridge.generation, client });
    client.catch(() => clients.delete(keyId));
    return client;
  },
  hasKeysFor(model: ModelSummary): boolean {
    const cached = clients.get(keyIdFor(model));
    return cached !== undefined && cached.generation === bridge.generation;
  },
  /** Drops the worker and every key in it (tests simulate a crash with this). */
  restart(): void {
    clients.clear();
    bridge.restart();
  },
};
