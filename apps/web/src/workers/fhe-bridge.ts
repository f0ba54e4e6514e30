// The one owner of the FHE worker. Keys are generated there once per server and model (id, version, plan) per
// browser session and reused; encrypted queries run there too (fetch included), so this thread sees predictions,
// fingerprints and request metadata, never a ciphertext. When the worker crashes it restarts and the next
// prediction makes new keys (and a new server session).
import { proxy } from 'comlink';
import type { ModelSummary, Prediction, RequestEvent } from '@chemveil/core';
import { keepProtocolErrors, type DriverQueryOptions, type FheStep } from '@chemveil/fhe-worker';
import type { FheWorkerApi } from './fhe.worker.ts';
import { WorkerBridge } from './worker-bridge.ts';

export type { FheStep };

keepProtocolErrors(); // the worker's errors arrive with their protocol code (explainError branches on it)

const bridge = new WorkerBridge<FheWorkerApi>(
  () => new Worker(new URL('./fhe.worker.ts', import.meta.url), { type: 'module', name: 'fhe' }),
  'encryption engine',
);

/** The server as a key set sees it: origin and base path (one server's `/a` is not its `/b`). */
function serverOf(serverUrl: string): string {
  const url = new URL(serverUrl);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/**
 * Everything a key set is for: the server (so one key set is never shown to two servers, which could then link
 * the queries) and what the plan's keys depend on (a changed model or plan gets new keys).
 */
export function keyIdFor(model: ModelSummary, serverUrl: string): string {
  const { parameters, galoisSteps, moleculesPerCiphertext } = model.plan;
  return JSON.stringify([serverOf(serverUrl), model.id, model.version ?? '', parameters, galoisSteps, moleculesPerCiphertext]); // prettier-ignore
}

/** A key set in the worker: its id and what the UI shows about it (the secret key never leaves the worker). */
export interface KeySet {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly keygenMs: number;
  /** Whether a prediction has used these keys yet (they may have been made in the background beforehand). */
  used: boolean;
}

/** The driver's options (its callbacks proxied across), plus where this server's request events go. */
export interface BridgeQueryOptions extends DriverQueryOptions {
  onRequest?: (event: RequestEvent) => void;
}

const keySets = new Map<string, { generation: number; keys: Promise<KeySet> }>();
let calls = 0;

export const fheBridge = {
  /** This session's keys for the model on this server: generated on first use (in the worker), then reused. */
  keysFor(model: ModelSummary, serverUrl: string, signal?: AbortSignal): Promise<KeySet> {
    const keyId = keyIdFor(model, serverUrl);
    const cached = keySets.get(keyId);
    if (cached && cached.generation === bridge.generation) return cached.keys;
    const keys = bridge
      .call((api) => api.init(keyId, model.plan), signal)
      .then(({ fingerprint, keygenMs }): KeySet => ({ keyId, fingerprint, keygenMs, used: false }));
    // The generation is read after call() has (re)started the worker.
    keySets.set(keyId, { generation: bridge.generation, keys });
    keys.catch(() => keySets.delete(keyId));
    return keys;
  },

  hasKeysFor(model: ModelSummary, serverUrl: string): boolean {
    const cached = keySets.get(keyIdFor(model, serverUrl));
    return cached !== undefined && cached.generation === bridge.generation;
  },

  /** Opens the key set's session on the server (its public keys uploaded from the worker). */
  openSession(
    keys: KeySet,
    serverUrl: string,
    model: ModelSummary,
    { token, onRequest }: Pick<BridgeQueryOptions, 'token' | 'onRequest'> = {},
  ) {
    const call = { keyId: keys.keyId, serverUrl, token, model };
    return bridge.call((api) => api.openSession(call, onRequest && proxy(onRequest)));
  },

  /**
   * Encrypted predictions, driven inside the worker. Aborting `signal` cancels the query there (its requests are
   * aborted; the worker and its keys stay) and rejects at once.
   */
  query(
    keys: KeySet,
    serverUrl: string,
    model: ModelSummary,
    features: ArrayLike<number>[],
    options: BridgeQueryOptions = {},
  ): Promise<{ predictions: Prediction[]; fingerprint: string }> {
    const { onRequest, onStep, onProgress } = options;
    const call = { id: ++calls, keyId: keys.keyId, serverUrl, token: options.token, model, features, concurrency: options.concurrency }; // prettier-ignore
    return bridge.call(
      (api) => api.query(call, onRequest && proxy(onRequest), onStep && proxy(onStep), onProgress && proxy(onProgress)), // prettier-ignore
      options.signal,
      (api) => api.cancel(call.id),
    );
  },

  /** Drops the worker and every key in it (tests simulate a crash with this). */
  restart(): void {
    keySets.clear();
    bridge.restart();
  },
};
