import { ChemVeilHttpClient, applyOutputHead } from '@chemveil/core';
import type { EncryptedInferenceClient, ModelSummary, Prediction, RequestEvent } from '@chemveil/core';
import type { FheClient } from './client.ts';

/** What a step of an encrypted query did on the client, for a progress view. */
export type FheStep = { step: 'encrypt' | 'refresh' | 'decrypt'; partition?: number; ms: number };

export interface DriverOptions {
  /** Defaults to the global fetch (browsers, workers, Node ≥ 18). */
  fetch?: typeof fetch;
  /** Every request to every server, as metadata (kind, path, bytes, status): never the bytes themselves. */
  onRequest?: (serverUrl: string, event: RequestEvent) => void;
}

export interface DriverQueryOptions {
  /** API token for a server that requires one. */
  token?: string;
  /** Requests in flight at once (each a full request's worth of molecules); default 1. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Molecules done so far, after each request's worth. */
  onProgress?: (done: number) => void;
  onStep?: (step: FheStep) => void;
}

/**
 * A key set as the protocol client sees it: one object per FheClient for its whole life, because the HTTP client
 * keys its server sessions on it. Times each client-side step for whoever listens (`listeners`).
 */
class TimedClient implements EncryptedInferenceClient {
  readonly listeners = new Set<(step: FheStep) => void>();
  constructor(private readonly fhe: FheClient) {}

  #timed<T>(step: FheStep['step'], partition: number | undefined, run: () => T): T {
    const started = performance.now();
    const result = run();
    const event = { step, ...(partition !== undefined ? { partition } : {}), ms: performance.now() - started };
    this.listeners.forEach((listener) => listener(event));
    return result;
  }

  evaluationKeys() {
    return this.fhe.evaluationKeys();
  }
  encryptFeatures(features: ArrayLike<number>[]) {
    return this.#timed('encrypt', undefined, () => this.fhe.encryptFeatures(features));
  }
  refresh(partition: number, results: Uint8Array[], molecules: number) {
    return this.#timed('refresh', partition, () => this.fhe.refresh(partition, results, molecules));
  }
  decryptOutputs(results: Uint8Array[], molecules: number) {
    return this.#timed('decrypt', undefined, () => this.fhe.decryptOutputs(results, molecules));
  }
}

/**
 * The encrypted-query driver, on the side that holds the secret key: one protocol client per server URL, one server
 * session per (server, key set), the partition loop (`ChemVeilHttpClient.infer` → `runPartitions`) with its result
 * checks and refreshes, and the model's output head applied once to the decrypted outputs. Its callers get
 * predictions only. In the browser it runs inside the FHE worker (`createFheApi`), so ciphertexts and decrypted
 * values never reach the page's main thread; in Node it works as is.
 */
export class EncryptedQueryDriver {
  /** By token and server URL: a new token is a new client (and new sessions, which the server binds to accounts). */
  readonly #servers = new Map<string, ChemVeilHttpClient>();
  readonly #clients = new WeakMap<FheClient, TimedClient>();

  constructor(private readonly options: DriverOptions = {}) {}

  /** The protocol client for a server URL, created on first use (its sessions live as long as it does). */
  http(serverUrl: string, token?: string): ChemVeilHttpClient {
    const key = JSON.stringify([serverUrl, token ?? '']);
    let http = this.#servers.get(key);
    if (!http) {
      const { fetch, onRequest } = this.options;
      http = new ChemVeilHttpClient(serverUrl, {
        ...(fetch ? { fetch } : {}),
        ...(token ? { token } : {}),
        ...(onRequest ? { onRequest: (event) => onRequest(serverUrl, event) } : {}),
      });
      this.#servers.set(key, http);
    }
    return http;
  }

  #timed(fhe: FheClient): TimedClient {
    let timed = this.#clients.get(fhe);
    if (!timed) this.#clients.set(fhe, (timed = new TimedClient(fhe)));
    return timed;
  }

  /** Uploads the key set's public keys and opens its session on the server (once; later queries reuse it). */
  async openSession(
    serverUrl: string,
    model: ModelSummary,
    fhe: FheClient,
    options: { signal?: AbortSignal; token?: string } = {},
  ): Promise<void> {
    await this.http(serverUrl, options.token).session(model, this.#timed(fhe), options.signal);
  }

  /**
   * Predictions for any number of feature vectors: batches of a full request, `concurrency` at a time; an expired
   * or forgotten session is re-created and its query restarted (by the protocol client).
   */
  async predict(
    serverUrl: string,
    model: ModelSummary,
    fhe: FheClient,
    features: ArrayLike<number>[],
    options: DriverQueryOptions = {},
  ): Promise<Prediction[]> {
    const client = this.#timed(fhe);
    const { onStep } = options;
    if (onStep) client.listeners.add(onStep);
    try {
      const raw = await this.http(serverUrl, options.token).infer(model, client, features, {
        concurrency: options.concurrency,
        signal: options.signal,
        onProgress: options.onProgress,
      });
      return raw.map((outputs) => applyOutputHead(model.head, outputs));
    } finally {
      if (onStep) client.listeners.delete(onStep);
    }
  }
}
