// Fault: the server is killed (SIGKILL) mid-prediction and restarted; the client re-creates its session, runs the
// query again from partition 0 and gets the right answer.
import { ChemVeilHttpClient, referenceForward, type ModelBundle, type ModelSummary } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';

export interface FaultReport {
  recovered: boolean;
  killedAfterPartition: number;
  sessionsCreated: number;
  maxAbsError: number;
  seconds: number;
}

export async function runFault(options: {
  url: string;
  modelId: string;
  bundle: ModelBundle;
  /** Model inputs (real molecules: the 1e-3 check is judged on them). */
  features: ArrayLike<number>[];
  restart: () => Promise<void>;
}): Promise<FaultReport> {
  const started = performance.now();
  let restarting: Promise<void> | undefined;
  let sessionsCreated = 0;
  let killedAfterPartition = -1;
  const http = new ChemVeilHttpClient(options.url, {
    onRequest: (event) => {
      if (event.kind === 'public-keys' && event.status === 201) sessionsCreated++;
      // Kill the server right after the first partition of the first query came back.
      if (!restarting && event.kind === 'ciphertext' && event.status === 200) {
        killedAfterPartition = event.partition ?? -1;
        restarting = options.restart();
      }
    },
  });
  const model: ModelSummary = await http.getModel(options.modelId);
  const fhe = await FheClient.create(model.plan);
  try {
    const { features } = options;
    const outputs = await http.infer(model, fhe, features);
    await restarting;
    let maxAbsError = 0;
    outputs.forEach((raw, m) => referenceForward(options.bundle, features[m]!).forEach((y, i) => (maxAbsError = Math.max(maxAbsError, Math.abs(raw[i]! - y))))); // prettier-ignore
    return { recovered: sessionsCreated >= 2, killedAfterPartition, sessionsCreated, maxAbsError, seconds: (performance.now() - started) / 1000 }; // prettier-ignore
  } finally {
    fhe.dispose();
  }
}
