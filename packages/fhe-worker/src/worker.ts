import type { EvaluationPlan, ModelSummary, Prediction, RequestEvent, SealLoader } from '@chemveil/core';
import { FheClient } from './client.ts';
import { EncryptedQueryDriver, type FheStep } from './driver.ts';

/** One encrypted query: which key set, which server and model, which molecules. */
export interface QueryCall {
  /** The caller's id for this call, so it can `cancel` it. */
  id: number;
  keyId: string;
  serverUrl: string;
  /** API token for a server that requires one (Settings in the web app). */
  token?: string;
  model: ModelSummary;
  features: ArrayLike<number>[];
  concurrency?: number;
}

/** Whatever a callback returns (a comlink call resolves once the caller has run it). */
type Callback<T> = (value: T) => unknown;

/**
 * The FHE side of a Web Worker, loader-injectable (like the featurizer's `createFeaturizerApi`): the web app's
 * worker is `expose(createFheApi(browserLoader))`. SEAL loads lazily on the first key set; one key set per `keyId`
 * (the web app uses server + model id + version + plan) is generated once and reused for the whole session. The
 * encrypted-query driver runs here too and calls `fetch` from here: ciphertexts, keys and decrypted values never
 * leave this thread except as requests to the server; callers get predictions, the public-key fingerprint, and
 * metadata about requests and steps. No method returns the secret key or raw decryptions.
 */
export function createFheApi(loader?: SealLoader) {
  const clients = new Map<string, Promise<FheClient>>();
  // A server's request events go to the listener its latest call gave (the web app gives the same one each time:
  // that server's privacy log); deliveries are tracked so a call returns only after its events were handled.
  const requestListeners = new Map<string, Callback<RequestEvent>>();
  const deliveries = new Set<Promise<unknown>>();
  const running = new Map<number, AbortController>();

  const deliver = <T>(listener: Callback<T> | undefined, value: T): void => {
    if (!listener) return;
    const delivery = Promise.resolve()
      .then(() => listener(value))
      .catch(() => undefined); // a listener's failure is not the query's
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  };
  const delivered = () => Promise.all([...deliveries]);

  const driver = new EncryptedQueryDriver({
    onRequest: (serverUrl, event) => deliver(requestListeners.get(serverUrl), event),
  });

  /** The key set for `keyId`, generated on first use (the slow part, the rotation keys, paid here once). */
  const keysFor = (keyId: string, plan: EvaluationPlan): Promise<FheClient> => {
    let pending = clients.get(keyId);
    if (!pending) {
      pending = FheClient.create(plan, { loader }).then((created) => {
        created.evaluationKeys();
        return created;
      });
      clients.set(keyId, pending);
      pending.catch(() => clients.delete(keyId));
    }
    return pending;
  };

  return {
    /** Generates (once per keyId) the secret key and the plan's evaluation keys; returns the public fingerprint. */
    async init(
      keyId: string,
      plan: EvaluationPlan,
    ): Promise<{ fingerprint: string; keygenMs: number; reused: boolean }> {
      const reused = clients.has(keyId);
      const fhe = await keysFor(keyId, plan);
      return { fingerprint: await fhe.keyFingerprint(), keygenMs: fhe.timings.keygenMs, reused };
    },

    /** Uploads the key set's public keys to the server and opens its session, ahead of the first query. */
    async openSession(
      call: Pick<QueryCall, 'keyId' | 'serverUrl' | 'token' | 'model'>,
      onRequest?: Callback<RequestEvent>,
    ): Promise<void> {
      if (onRequest) requestListeners.set(call.serverUrl, onRequest);
      try {
        await driver.openSession(call.serverUrl, call.model, await keysFor(call.keyId, call.model.plan), { token: call.token }); // prettier-ignore
      } finally {
        await delivered();
      }
    },

    /**
     * Encrypted predictions: encrypt, every partition over HTTP with refreshes in between, decrypt, the model's
     * output head. Rejects with the protocol's errors (ProtocolError, NetworkError) or an AbortError after `cancel`.
     */
    async query(
      call: QueryCall,
      onRequest?: Callback<RequestEvent>,
      onStep?: Callback<FheStep>,
      onProgress?: Callback<number>,
    ): Promise<{ predictions: Prediction[]; fingerprint: string }> {
      const controller = new AbortController();
      running.set(call.id, controller); // before any await: a `cancel` sent right after the call finds it
      if (onRequest) requestListeners.set(call.serverUrl, onRequest);
      try {
        const fhe = await keysFor(call.keyId, call.model.plan);
        const predictions = await driver.predict(call.serverUrl, call.model, fhe, call.features, {
          concurrency: call.concurrency,
          token: call.token,
          signal: controller.signal,
          onStep: (step) => deliver(onStep, step),
          onProgress: (done) => deliver(onProgress, done),
        });
        return { predictions, fingerprint: await fhe.keyFingerprint() };
      } finally {
        running.delete(call.id);
        await delivered();
      }
    },

    /** Stops a running query: its requests are aborted and it rejects with an AbortError. Keys stay. */
    async cancel(id: number): Promise<void> {
      running.get(id)?.abort(new DOMException('Cancelled', 'AbortError'));
    },

    /** Frees one key set (or all): the next call makes new keys. */
    async dispose(keyId?: string): Promise<void> {
      const ids = keyId === undefined ? [...clients.keys()] : [keyId];
      for (const id of ids) {
        const pending = clients.get(id);
        clients.delete(id);
        (await pending?.catch(() => undefined))?.dispose();
      }
    },
  };
}

export type FheApi = ReturnType<typeof createFheApi>;
