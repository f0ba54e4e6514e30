import { blindedTransport, ModelEngine, type EvaluationPlan, type ModelBundle } from '@chemveil/core';
import { FheClient, selectPlan } from '@chemveil/fhe-worker';

export interface EncryptedCheck {
  plan: EvaluationPlan;
  /** Raw network outputs decrypted from the real engine, one per input. */
  outputs: Float64Array[];
  /** Evaluation-key bytes a client uploads per session. */
  evaluationKeyBytes: number;
  serverMs: number;
}

/**
 * Runs inputs through the real encrypted engine in-process (client keys, encryption, server partitions, refreshes,
 * decryption), with parameters chosen automatically on the first `sampleCount` inputs. The check every trained
 * model gets before it ships.
 */
export async function encryptedPredictions(
  bundle: ModelBundle,
  inputs: ArrayLike<number>[],
  sampleCount = 32,
): Promise<EncryptedCheck> {
  const { plan } = await selectPlan(bundle, inputs.slice(0, sampleCount));
  const engine = await ModelEngine.create(plan, bundle);
  const client = await FheClient.create(plan);
  const keys = client.evaluationKeys();
  const session = engine.openSession(keys);
  let serverMs = 0;
  try {
    // Masks on, as the server runs it (blinded refresh).
    const transport = blindedTransport(session, plan, inputs.length);
    const outputs = await client.infer(inputs, async (k, ciphertexts) => {
      const started = performance.now();
      const result = await transport(k, ciphertexts);
      serverMs += performance.now() - started;
      return result;
    });
    return {
      plan,
      outputs,
      evaluationKeyBytes: keys.galoisKeys.length + (keys.relinKeys?.length ?? 0) + keys.publicKey.length,
      serverMs,
    };
  } finally {
    session.dispose();
    client.dispose();
    engine.dispose();
  }
}
