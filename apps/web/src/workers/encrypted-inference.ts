// Encrypted inference as the web app runs it: features from the featurizer worker; keys, encryption, the wire
// protocol to the server and decryption all inside the FHE worker, which hands back predictions. This thread
// fetches only metadata (the model list, a changed model), explains failures and recovers from them. Every request,
// from here or from the worker, is reported to `onRequest` for the privacy panel (metadata, never bytes).
import {
  ChemVeilHttpClient,
  NetworkError,
  ProtocolError,
  type ModelSummary,
  type Prediction,
  type RequestEvent,
} from '@chemveil/core';
import { fheBridge, keyIdFor, type FheStep, type KeySet } from './fhe-bridge.ts';
import { WorkerCrashedError } from './worker-bridge.ts';

export type { FheStep };

/** Failures a chemist can act on, each with a message in their words. */
export type InferenceProblem =
  | 'unreachable'
  | 'unauthorized'
  | 'model-changed'
  | 'model-gone'
  | 'busy'
  | 'starting'
  | 'engine-crashed'
  | 'rejected'
  | 'cancelled';

export class InferenceError extends Error {
  override name = 'InferenceError';
  constructor(
    readonly problem: InferenceProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Errors that mean "your copy of the model is not the server's any more": fetch it again, new keys, retry. */
const MODEL_CHANGED_CODES = new Set(['WRONG_PARAMETERS', 'INVALID_EVALUATION_KEYS', 'MALFORMED_KEYS', 'WRONG_LEVEL']);

export function explainError(error: unknown, serverUrl: string): InferenceError {
  if (error instanceof InferenceError) return error;
  if (error instanceof DOMException && error.name === 'AbortError')
    return new InferenceError('cancelled', 'Cancelled.');
  if (error instanceof NetworkError)
    return new InferenceError(
      'unreachable',
      `Cannot reach the ChemVeil server at ${serverUrl}. Check that it is running (and the address in Settings), then try again. Nothing was lost: your molecule never left this browser.`,
    );
  if (error instanceof WorkerCrashedError)
    return new InferenceError('engine-crashed', `${error.message} It has been restarted; please try again.`);
  if (error instanceof ProtocolError) {
    if (error.code === 'UNAUTHORIZED')
      return new InferenceError('unauthorized', `This server needs an API token (${error.message.includes('not valid') ? 'the one in Settings is not valid here' : 'add the one you were given in Settings'}).`); // prettier-ignore
    if (error.code === 'MODEL_NOT_FOUND')
      return new InferenceError('model-gone', 'The server no longer offers this model. Pick another one.');
    if (error.code === 'OVER_CAPACITY')
      return new InferenceError('busy', 'The server is busy with other predictions. Try again in a minute.');
    if (error.code === 'NOT_READY' || error.code === 'SHUTTING_DOWN')
      return new InferenceError('starting', 'The server is starting up or restarting. Try again in a few seconds.');
    if (MODEL_CHANGED_CODES.has(error.code))
      return new InferenceError('model-changed', 'The model changed on the server while you were working.');
    return new InferenceError('rejected', `The server refused the request (${error.code}): ${error.message}`);
  }
  return new InferenceError('rejected', error instanceof Error ? error.message : String(error));
}

export interface QueryOptions {
  signal?: AbortSignal;
  onStep?: (step: FheStep) => void;
  onProgress?: (done: number) => void;
  /** Called when the model had to be fetched again (a new version or plan on the server). */
  onModelChanged?: (model: ModelSummary) => void;
}

export interface QueryResult {
  model: ModelSummary;
  predictions: Prediction[];
  fingerprint: string;
}

export class EncryptedInference {
  /** Metadata only: the model list, and a model fetched again after it changed. */
  readonly #http: ChemVeilHttpClient;

  constructor(
    readonly serverUrl: string,
    private readonly onRequest: (event: RequestEvent) => void,
    /** API token for a server that requires one (Settings); sent by the worker's requests too. */
    readonly token?: string,
  ) {
    this.#http = new ChemVeilHttpClient(serverUrl, { onRequest, ...(token ? { token } : {}) });
  }

  async listModels(signal?: AbortSignal): Promise<ModelSummary[]> {
    try {
      return await this.#http.listModels(signal);
    } catch (error) {
      throw explainError(error, this.serverUrl);
    }
  }

  /** Generates (or reuses) this session's keys for the model on this server; resolves with their fingerprint. */
  async prepareKeys(model: ModelSummary, signal?: AbortSignal): Promise<KeySet> {
    try {
      return await fheBridge.keysFor(model, this.serverUrl, signal);
    } catch (error) {
      throw explainError(error, this.serverUrl);
    }
  }

  /**
   * Keys and the server session for a model the chemist chose, ahead of the first prediction: the public keys go
   * up (about 9 MB for the shipped models) while they type, not after they press Predict. Only public keys are sent.
   */
  async warmUp(model: ModelSummary): Promise<void> {
    const keys = await this.prepareKeys(model);
    try {
      await fheBridge.openSession(keys, this.serverUrl, model, { token: this.token, onRequest: this.onRequest });
    } catch (error) {
      throw explainError(error, this.serverUrl);
    }
  }

  hasKeysFor(model: ModelSummary): boolean {
    return fheBridge.hasKeysFor(model, this.serverUrl);
  }

  /**
   * Encrypted predictions for any number of feature vectors. Recovers without bothering the chemist from: an
   * expired or forgotten session (the worker's protocol client re-creates it), a crashed FHE worker (new worker,
   * new keys, one retry), and a model that changed on the server (fetched again, new keys, one retry).
   */
  async predict(model: ModelSummary, features: ArrayLike<number>[], options: QueryOptions = {}): Promise<QueryResult> {
    let current = model;
    for (let attempt = 0; ; attempt++) {
      try {
        const keys = await fheBridge.keysFor(current, this.serverUrl, options.signal);
        const { predictions, fingerprint } = await fheBridge.query(keys, this.serverUrl, current, features, {
          signal: options.signal,
          concurrency: features.length > current.plan.moleculesPerCiphertext ? 2 : 1,
          token: this.token,
          onRequest: this.onRequest,
          onStep: options.onStep,
          onProgress: options.onProgress,
        });
        return { model: current, predictions, fingerprint };
      } catch (error) {
        if (options.signal?.aborted) throw new InferenceError('cancelled', 'Cancelled.');
        const problem = explainError(error, this.serverUrl);
        if (attempt >= 1 || (problem.problem !== 'engine-crashed' && problem.problem !== 'model-changed'))
          throw problem;
        if (problem.problem === 'model-changed') {
          const fresh = await this.#http.getModel(current.id, options.signal).catch((e: unknown) => {
            throw explainError(e, this.serverUrl);
          });
          if (keyIdFor(fresh, this.serverUrl) === keyIdFor(current, this.serverUrl)) throw problem;
          current = fresh;
          options.onModelChanged?.(fresh);
        }
      }
    }
  }
}
