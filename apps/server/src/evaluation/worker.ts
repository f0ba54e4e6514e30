import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import {
  sealHeapBytes,
  InvalidEvaluationKeysError,
  ModelEngine,
  parseBundle,
  ProtocolError,
  sealBlobProblem,
  sealCall,
  sealErrorMessage,
} from '@chemveil/core';
import type { CiphertextBlinding, EvaluationSession, SessionKeyBytes } from '@chemveil/core';
import type { PlanResult, WorkerReply, WorkerRequest, WorkerStats } from './messages.ts';

// One SEAL instance per thread: every model's weights encoded once here, and the sessions this worker has served.
const engines = new Map<string, ModelEngine>();
const sessions = new Map<string, { modelId: string; session: EvaluationSession }>();

const port = parentPort!;

function engineFor(modelId: string): ModelEngine {
  const engine = engines.get(modelId);
  if (!engine) throw new ProtocolError('MODEL_NOT_FOUND', `model ${modelId} is not loaded`);
  return engine;
}

/** SEAL's "data is invalid" means well-formed bytes for other parameters; anything else is garbage. */
const isForeignParameters = (message: string): boolean => /data is invalid/.test(message);

function openSession(sessionId: string, modelId: string, keys: SessionKeyBytes): EvaluationSession {
  const existing = sessions.get(sessionId);
  if (existing) return existing.session;
  for (const blob of [keys.galoisKeys, keys.relinKeys, keys.publicKey]) {
    const problem = blob && sealBlobProblem(blob);
    if (problem) throw new ProtocolError('MALFORMED_KEYS', `evaluation keys: ${problem}`);
  }
  let session: EvaluationSession;
  try {
    session = engineFor(modelId).openSession(keys);
  } catch (error) {
    if (!(error instanceof InvalidEvaluationKeysError)) throw error;
    if (/lack steps|needs relinearization/.test(error.message))
      throw new ProtocolError('INVALID_EVALUATION_KEYS', error.message);
    if (isForeignParameters(error.message))
      throw new ProtocolError('WRONG_PARAMETERS', `${error.message} (keys made for other encryption parameters)`);
    throw new ProtocolError('MALFORMED_KEYS', error.message);
  }
  sessions.set(sessionId, { modelId, session });
  return session;
}

/** Loads, checks and evaluates one ciphertext; every SEAL object is freed before returning. */
function evaluateOne(
  engine: ModelEngine,
  session: EvaluationSession,
  partition: number,
  bytes: Uint8Array,
  index: number,
  blinding?: CiphertextBlinding,
) {
  const { seal, context, dataPrimes } = engine.ckks;
  const problem = sealBlobProblem(bytes);
  if (problem) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${index}: ${problem}`);
  if (bytes[5] !== 0) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${index} is compressed; send ciphertexts uncompressed`); // prettier-ignore
  const input = seal.CipherText();
  try {
    try {
      input.loadArray(context, bytes);
    } catch (error) {
      const message = sealErrorMessage(error);
      if (isForeignParameters(message))
        throw new ProtocolError('WRONG_PARAMETERS', `ciphertext ${index} was made for other encryption parameters`);
      throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${index} does not load: ${message}`);
    }
    const scaleBits = engine.plan.partitions[partition]!.input.scaleBits;
    // Every partition takes fresh size-2 ciphertexts at the top level and exactly its input scale.
    if (
      input.size !== 2 ||
      input.coeffModulusSize !== dataPrimes.length ||
      Math.abs(Math.log2(input.scale) - scaleBits) > 1e-6
    )
      // prettier-ignore
      throw new ProtocolError(
        'WRONG_LEVEL',
        `ciphertext ${index}: partition ${partition} takes fresh size-2 top-level ciphertexts at scale 2^${scaleBits} ` +
          `(got size ${input.size}, ${input.coeffModulusSize} primes, scale 2^${Math.log2(input.scale).toFixed(2)})`,
      );
    // Not encrypted at all (c1 = 0, e.g. zeros): refused, never computed on.
    if (input.isTransparent) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${index} is transparent (not encrypted)`); // prettier-ignore
    let result;
    try {
      result = session.evaluateCiphertext(partition, input, blinding);
    } catch (error) {
      // A crafted ciphertext that loads but cancels out under the model's operations (SEAL refuses transparent
      // results) is the client's fault, not ours.
      if (/transparent/.test(String((error as Error).message))) throw new ProtocolError('MALFORMED_CIPHERTEXT', `ciphertext ${index}: its evaluation cancels out (crafted input)`); // prettier-ignore
      throw error;
    }
    try {
      // Uncompressed: the client checks a result's exact size before SEAL reads it, and nothing inflates.
      return sealCall('save result', () => result.saveArray(seal.ComprModeType.none));
    } finally {
      result.delete();
    }
  } finally {
    input.delete();
  }
}

async function planModel(bundleBytes: Uint8Array, sampleSmiles: string[], maskBits?: number): Promise<PlanResult> {
  // Loaded only when a plan is not cached: RDKit and the client-side code are not needed to serve.
  const [{ loadFeaturizer }, { selectPlan }] = await Promise.all([
    import('@chemveil/featurizer/node'),
    import('@chemveil/fhe-worker'),
  ]);
  const bundle = parseBundle(bundleBytes);
  const featurizer = await loadFeaturizer();
  const samples: Float32Array[] = [];
  for (const smiles of sampleSmiles) {
    try {
      samples.push(featurizer.featurize(smiles, bundle.featurizer));
    } catch {
      // a sample the standardizer refuses is simply not used
    }
  }
  const selection = await selectPlan(bundle, samples, { maskBits });
  return { plan: selection.plan, maxAbsError: selection.maxAbsError, samples: samples.length };
}

const stats = (): WorkerStats => ({ sealHeapBytes: sealHeapBytes() ?? 0, jsHeapBytes: getHeapStatistics().used_heap_size, sessions: sessions.size }); // prettier-ignore

/** An own-buffer copy, so transferring it never detaches anything shared (like SEAL's heap). */
const owned = (bytes: Uint8Array): Uint8Array =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();

async function handle(request: WorkerRequest): Promise<{ value?: unknown; transfer?: ArrayBuffer[] }> {
  switch (request.type) {
    case 'load-model': {
      engines.get(request.modelId)?.dispose();
      engines.set(request.modelId, await ModelEngine.create(request.plan, parseBundle(request.bundle)));
      return { value: stats() };
    }
    case 'plan':
      return { value: await planModel(request.bundle, request.samples, request.maskBits) };
    case 'open-session':
      openSession(request.sessionId, request.modelId, request.keys);
      return {};
    case 'evaluate': {
      const engine = engineFor(request.modelId);
      const session = request.keys
        ? openSession(request.sessionId, request.modelId, request.keys)
        : sessions.get(request.sessionId)?.session;
      if (!session) throw new ProtocolError('SESSION_EXPIRED', 'this worker no longer holds the session');
      const results = request.ciphertexts.map((bytes, i) => owned(evaluateOne(engine, session, request.partition, bytes, i, request.blinding?.[i]))); // prettier-ignore
      return { value: results, transfer: results.map((r) => r.buffer as ArrayBuffer) };
    }
    case 'drop-session': {
      sessions.get(request.sessionId)?.session.dispose();
      sessions.delete(request.sessionId);
      return { value: stats() };
    }
    case 'stats':
      return { value: stats() };
  }
}

// Messages are handled strictly in order (a model loads before the sessions that use it).
let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const outcome = await handle(request);
      reply = { id: request.id, ok: true, value: outcome.value };
      transfer = outcome.transfer ?? [];
    } catch (error) {
      reply =
        error instanceof ProtocolError
          ? { id: request.id, ok: false, error: { code: error.code, message: error.message } }
          : { id: request.id, ok: false, error: { code: 'INTERNAL', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } }; // prettier-ignore
    }
    port.postMessage(reply, transfer);
  });
});
