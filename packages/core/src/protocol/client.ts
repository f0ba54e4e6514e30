import { decodeFrame, encodeFrame, InvalidFrameError } from '../wire/frames.ts';
import { ERROR_STATUS, isErrorCode, isSessionGone, NetworkError, ProtocolError } from './errors.ts';
import type { ErrorCode } from './errors.ts';
import { apiPaths, OCTET_STREAM, QUERY_HEADER, SESSION_HEADER } from './model.ts';
import type { ModelSummary } from './model.ts';
import type { Health, SessionCreated } from './schemas.ts';
import type { SessionKeyBytes } from '../he/engine.ts';

/** What a request carried, for a privacy panel: only public keys and ciphertexts ever leave the client. */
export type RequestKind = 'metadata' | 'public-keys' | 'ciphertext';

export interface RequestEvent {
  kind: RequestKind;
  method: string;
  /** Path under the server URL, e.g. /v1/partitions/0. */
  path: string;
  status: number;
  bytesSent: number;
  bytesReceived: number;
  durationMs: number;
  /** Ciphertext requests: the partition and the number of ciphertexts each way. */
  partition?: number;
  ciphertexts?: number;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * The client half of encrypted inference, structurally: FheClient, in Node or inside the web app's FHE worker (where
 * the whole query runs). The secret key stays behind this interface; the HTTP client only ever sees what it returns.
 */
export interface EncryptedInferenceClient {
  evaluationKeys(): MaybePromise<SessionKeyBytes>;
  encryptFeatures(features: ArrayLike<number>[]): MaybePromise<Uint8Array[]>;
  refresh(partition: number, results: Uint8Array[], molecules: number): MaybePromise<Uint8Array[]>;
  decryptOutputs(results: Uint8Array[], molecules: number): MaybePromise<Float64Array[]>;
}

/**
 * The one partition loop of an encrypted query, whoever carries it (HTTP, or an in-process session in tests and
 * benchmarks): `send` evaluates partition k's ciphertexts; between partitions the client decrypts and
 * re-encrypts (its result checks run there); the last results are decrypted into raw outputs per molecule.
 */
export async function runPartitions(
  fhe: EncryptedInferenceClient,
  partitions: number,
  inputs: Uint8Array[],
  molecules: number,
  send: (partition: number, ciphertexts: Uint8Array[]) => Promise<Uint8Array[]>,
): Promise<Float64Array[]> {
  let ciphertexts = inputs;
  for (let k = 0; k < partitions; k++) {
    const results = await send(k, ciphertexts);
    if (k === partitions - 1) return await fhe.decryptOutputs(results, molecules);
    ciphertexts = await fhe.refresh(k, results, molecules);
  }
  throw new Error('a plan has at least one partition');
}

export interface ChemVeilHttpClientOptions {
  /** Defaults to the global fetch (browsers, Node ≥ 18). */
  fetch?: typeof fetch;
  /** API token for servers that require one (sent as `Authorization: Bearer <token>` on every request). */
  token?: string;
  /** Called after every request with what it carried (bytes, kind); never with the bytes themselves. */
  onRequest?: (event: RequestEvent) => void;
  /** Retries of a request the server refused with 429 (waiting Retry-After, at most 5 s each); default 8. */
  overCapacityRetries?: number;
  /**
   * How long to keep retrying while a server that answered before is unreachable or restarting (connection
   * refused, 503), with backoff from 250 ms to 2 s; default 20 s. A server never reached fails at once. A restarted
   * server has forgotten the session: `query` then opens a new one and starts again from partition 0.
   */
  unreachableRetryMs?: number;
}

export interface PartitionReply {
  results: Uint8Array[];
  /** Send it with the next partition of the same query. */
  queryId: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * The ChemVeil wire protocol over fetch: no Node APIs, so the CLI and the browser share it. Sessions are created
 * once per (model, key set) and re-created transparently when the server has forgotten them; a query whose session
 * disappeared mid-way restarts from partition 0 with the same input ciphertexts.
 */
export class ChemVeilHttpClient {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #authorization: Record<string, string>;
  readonly #onRequest?: (event: RequestEvent) => void;
  readonly #overCapacityRetries: number;
  readonly #unreachableRetryMs: number;
  /** The server has answered at least once: losing it now is a restart or a blip, worth waiting for. */
  #reached = false;
  readonly #sessions = new WeakMap<object, Promise<SessionCreated>>();

  constructor(baseUrl: string, options: ChemVeilHttpClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#authorization = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#onRequest = options.onRequest;
    this.#overCapacityRetries = options.overCapacityRetries ?? 8;
    this.#unreachableRetryMs = options.unreachableRetryMs ?? 20_000;
  }

  async health(signal?: AbortSignal): Promise<Health> {
    return this.#json<Health>('GET', '/healthz', signal);
  }

  async listModels(signal?: AbortSignal): Promise<ModelSummary[]> {
    const body = await this.#json<{ models: ModelSummary[] }>('GET', apiPaths.models(), signal);
    if (!Array.isArray(body?.models)) throw new NetworkError('the server did not answer with a model list');
    return body.models;
  }

  async getModel(id: string, signal?: AbortSignal): Promise<ModelSummary> {
    return this.#json<ModelSummary>('GET', apiPaths.model(id), signal);
  }

  /**
   * Uploads the session's public keys (they let the server rotate, relinearize and encrypt, never decrypt) and
   * opens a session. Blobs in order: Galois keys, relinearization keys (when the plan squares), public key.
   */
  async createSession(modelId: string, keys: SessionKeyBytes, signal?: AbortSignal): Promise<SessionCreated> {
    const blobs = [keys.galoisKeys, ...(keys.relinKeys ? [keys.relinKeys] : []), keys.publicKey];
    const body = encodeFrame({ kind: 'evaluation-keys', partition: 0, molecules: 0, blobs });
    const reply = await this.#send('public-keys', 'POST', apiPaths.sessions(modelId), { body, signal });
    return JSON.parse(new TextDecoder().decode(reply.bytes)) as SessionCreated;
  }

  async deleteSession(sessionId: string, signal?: AbortSignal): Promise<void> {
    await this.#send('metadata', 'DELETE', apiPaths.session(), { signal, headers: { [SESSION_HEADER]: sessionId } });
  }

  /** One partition of one query: ciphertexts in, ciphertexts out. */
  async evaluatePartition(
    sessionId: string,
    partition: number,
    ciphertexts: Uint8Array[],
    molecules: number,
    queryId?: string,
    signal?: AbortSignal,
  ): Promise<PartitionReply> {
    const body = encodeFrame({ kind: 'query', partition, molecules, blobs: ciphertexts });
    const reply = await this.#send('ciphertext', 'POST', apiPaths.partition(partition), {
      body,
      signal,
      partition,
      ciphertexts: ciphertexts.length,
      headers: { [SESSION_HEADER]: sessionId, ...(queryId ? { [QUERY_HEADER]: queryId } : {}) },
    });
    let frame;
    try {
      frame = decodeFrame(reply.bytes);
    } catch (error) {
      if (error instanceof InvalidFrameError) throw new NetworkError(`partition ${partition}: ${error.message}`);
      throw error;
    }
    if (frame.kind !== 'result' || frame.partition !== partition || frame.blobs.length !== ciphertexts.length)
      throw new NetworkError(`partition ${partition}: the reply is not this partition's results`);
    const id = reply.headers.get(QUERY_HEADER) ?? queryId;
    if (!id) throw new NetworkError(`partition ${partition}: the reply has no ${QUERY_HEADER} header`);
    return { results: frame.blobs, queryId: id };
  }

  /** The session for this key set and model, created on first use and reused after. */
  session(model: ModelSummary, fhe: EncryptedInferenceClient, signal?: AbortSignal): Promise<SessionCreated> {
    let session = this.#sessions.get(fhe);
    if (!session) {
      session = Promise.resolve(fhe.evaluationKeys()).then((keys) => this.createSession(model.id, keys, signal));
      this.#sessions.set(fhe, session);
      session.catch(() => this.#sessions.delete(fhe));
    }
    return session;
  }

  /** Deletes this key set's session on the server, if it has one. */
  async closeSession(fhe: EncryptedInferenceClient): Promise<void> {
    const session = this.#sessions.get(fhe);
    this.#sessions.delete(fhe);
    if (!session) return;
    const { sessionId } = await session.catch(() => ({ sessionId: undefined }));
    if (sessionId) await this.deleteSession(sessionId).catch(() => undefined);
  }

  /**
   * Encrypted predictions for up to `model.limits.maxCiphertextsPerRequest · B` molecules: encrypt, drive every
   * partition (refreshing in between on the client), decrypt. Returns raw outputs per molecule.
   */
  async query(
    model: ModelSummary,
    fhe: EncryptedInferenceClient,
    features: ArrayLike<number>[],
    signal?: AbortSignal,
  ): Promise<Float64Array[]> {
    const lanes = model.plan.moleculesPerCiphertext;
    const capacity = model.limits.maxCiphertextsPerRequest * lanes;
    if (features.length === 0) return [];
    if (features.length > capacity) throw new RangeError(`at most ${capacity} molecules per query`);
    const inputs = await fhe.encryptFeatures(features);
    const partitions = model.plan.partitions.length;
    for (let attempt = 0; ; attempt++) {
      const { sessionId } = await this.session(model, fhe, signal);
      try {
        let queryId: string | undefined;
        return await runPartitions(fhe, partitions, inputs, features.length, async (k, ciphertexts) => {
          const reply = await this.evaluatePartition(sessionId, k, ciphertexts, features.length, queryId, signal);
          queryId = reply.queryId;
          return reply.results;
        });
      } catch (error) {
        // The server forgot the session (expiry, eviction, restart): new session, same inputs, from partition 0.
        if (!isSessionGone(error) || attempt >= 2) throw error;
        if (this.#sessions.get(fhe) !== undefined) {
          const current = await this.#sessions.get(fhe)!.catch(() => undefined);
          if (current?.sessionId === sessionId) this.#sessions.delete(fhe);
        }
      }
    }
  }

  /** `query` over any number of molecules, in batches of the largest request size, `concurrency` at a time. */
  async infer(
    model: ModelSummary,
    fhe: EncryptedInferenceClient,
    features: ArrayLike<number>[],
    options: { concurrency?: number; signal?: AbortSignal; onProgress?: (done: number) => void } = {},
  ): Promise<Float64Array[]> {
    const batch = model.limits.maxCiphertextsPerRequest * model.plan.moleculesPerCiphertext;
    const outputs: Float64Array[] = new Array(features.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < features.length) {
        const start = next;
        next += batch;
        const results = await this.query(model, fhe, features.slice(start, start + batch), options.signal);
        results.forEach((r, i) => (outputs[start + i] = r));
        done += results.length;
        options.onProgress?.(done);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
    return outputs;
  }

  async #json<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
    const reply = await this.#send('metadata', method, path, { signal });
    try {
      return JSON.parse(new TextDecoder().decode(reply.bytes)) as T;
    } catch {
      throw new NetworkError(`${method} ${path}: the reply is not JSON`);
    }
  }

  async #send(
    kind: RequestKind,
    method: string,
    path: string,
    options: {
      body?: Uint8Array;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      partition?: number;
      ciphertexts?: number;
    },
  ): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
    const firstTry = performance.now();
    let backoffMs = 250;
    const waitWhileUnreachable = async (): Promise<boolean> => {
      if (!this.#reached || options.signal?.aborted) return false;
      if (performance.now() - firstTry + backoffMs > this.#unreachableRetryMs) return false;
      await sleep(backoffMs, options.signal);
      backoffMs = Math.min(2_000, backoffMs * 2);
      return true;
    };
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let response: Response;
      let bytes: Uint8Array;
      try {
        response = await this.#fetch(this.baseUrl + path, {
          method,
          headers: { ...(options.body ? { 'content-type': OCTET_STREAM } : {}), ...this.#authorization, ...options.headers }, // prettier-ignore
          body: options.body as BodyInit | undefined,
          signal: options.signal,
        });
        bytes = new Uint8Array(await response.arrayBuffer());
        this.#reached = true;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (await waitWhileUnreachable()) continue;
        throw new NetworkError(`${method} ${this.baseUrl}${path}: ${error instanceof Error ? error.message : error}`);
      }
      this.#onRequest?.({
        kind,
        method,
        path,
        status: response.status,
        bytesSent: options.body?.length ?? 0,
        bytesReceived: bytes.length,
        durationMs: performance.now() - started,
        ...(options.partition !== undefined ? { partition: options.partition, ciphertexts: options.ciphertexts } : {}),
      });
      if (response.ok) return { status: response.status, headers: response.headers, bytes };
      const error = protocolErrorOf(response, bytes);
      if (error.code === 'SHUTTING_DOWN' && (await waitWhileUnreachable())) continue;
      if (error.code === 'OVER_CAPACITY' && attempt < this.#overCapacityRetries) {
        await sleep(Math.min(5, error.retryAfterSeconds ?? 1) * 1000, options.signal);
        continue;
      }
      throw error;
    }
  }
}

function protocolErrorOf(response: Response, bytes: Uint8Array): ProtocolError {
  const retryAfter = Number(response.headers.get('retry-after'));
  const options = { status: response.status, retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined };
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    const message = typeof body.error?.message === 'string' ? body.error.message : response.statusText;
    if (isErrorCode(code)) return new ProtocolError(code, message, options);
  } catch {
    // not our JSON error shape: fall through to a status-derived code
  }
  const byStatus = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((c) => ERROR_STATUS[c] === response.status);
  return new ProtocolError(byStatus ?? 'INTERNAL', `HTTP ${response.status} ${response.statusText}`, options);
}
