// Load generator: N concurrent sessions, each with its own keys (a real FheClient), running full encrypted
// predictions over loopback with the same HTTP client the browser and the CLI use.
import { ChemVeilHttpClient, randomFingerprints, seededRandom, type ModelSummary } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';

export interface LoadOptions {
  sessions: number;
  /** Predictions each session runs, one after the other. */
  predictionsPerSession: number;
  /** Molecules per prediction (1 = the chemist's single-molecule case). */
  molecules: number;
  modelId: string;
}

export interface LoadReport {
  sessions: number;
  predictions: number;
  errors: number;
  errorMessages: string[];
  latencyMs: { p50: number; p95: number; max: number };
  predictionsPerSecond: number;
  seconds: number;
  /** HTTP statuses seen by the clients (429s they waited out included). */
  statusCounts: Record<string, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0; // prettier-ignore

/** Runs the load; every session opens with its own keys, so the server holds `sessions` key sets at once. */
export async function runLoad(baseUrl: string, options: LoadOptions): Promise<LoadReport> {
  const statusCounts: Record<string, number> = {};
  const http = new ChemVeilHttpClient(baseUrl, {
    onRequest: (event) => (statusCounts[event.status] = (statusCounts[event.status] ?? 0) + 1),
  });
  const model: ModelSummary = await http.getModel(options.modelId);
  const random = seededRandom(5);
  const clients = await Promise.all(Array.from({ length: options.sessions }, () => FheClient.create(model.plan))); // prettier-ignore
  const latencies: number[] = [];
  const errorMessages: string[] = [];
  const started = performance.now();
  try {
    // Sessions are opened together, then every client runs its predictions concurrently with the others.
    await Promise.all(clients.map((client) => http.session(model, client)));
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < options.predictionsPerSession; i++) {
          const features = randomFingerprints(options.molecules, model.plan.model.inputLength, random);
          const t0 = performance.now();
          try {
            const outputs = await http.query(model, client, features);
            if (outputs.length !== options.molecules || !outputs.every((o) => o.every(Number.isFinite)))
              throw new Error('malformed outputs');
            latencies.push(performance.now() - t0);
          } catch (error) {
            errorMessages.push(error instanceof Error ? error.message : String(error));
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => http.closeSession(client).catch(() => undefined)));
    for (const client of clients) client.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    sessions: options.sessions,
    predictions: latencies.length + errorMessages.length,
    errors: errorMessages.length,
    errorMessages: errorMessages.slice(0, 5),
    latencyMs: { p50: Math.round(percentile(sorted, 50)), p95: Math.round(percentile(sorted, 95)), max: Math.round(sorted.at(-1) ?? 0) }, // prettier-ignore
    predictionsPerSecond: Number((latencies.length / seconds).toFixed(2)),
    seconds: Number(seconds.toFixed(1)),
    statusCounts,
  };
}
