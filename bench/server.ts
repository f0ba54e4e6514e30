/**
 * Server benchmark over loopback, with 1 and then 2 evaluation worker threads:
 * - end to end: `chemveil query` (a real process: read, featurize, keys, encrypt, every partition with client
 *   refreshes, decrypt, write) on a 1,000-molecule CSV (the first 1,000 of Lipophilicity);
 * - server only: the same partition requests replayed with pre-computed ciphertexts, several in flight, so the
 *   number is what the server sustains with no client work in the loop.
 * The model has the zoo's architecture (Morgan 1024 → 64 → act → 32 → act → 1) with seeded random weights, so the
 * numbers do not depend on which trained models are present. Run standalone: `npx tsx bench/server.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChemVeilHttpClient, makeBundle, randomDense, seededRandom, serializeBundle } from '@chemveil/core';
import type { ModelSummary } from '@chemveil/core';
import { featurizeRecords, loadFeaturizer, readMoleculeFile } from '@chemveil/featurizer/node';
import { FheClient } from '@chemveil/fhe-worker';
import { createApp } from '@chemveil/server';

export interface ServerBenchRun {
  workers: number;
  /** End to end, `chemveil query` wall time including process start, RDKit, keygen and the CSV written. */
  querySeconds: number;
  queryMoleculesPerSecond: number;
  /** Server only: molecules through every partition per second, requests of `ciphertextsPerRequest` in flight. */
  serverMoleculesPerSecond: number;
  /** Server only: wall ms per ciphertext (all partitions), i.e. 1 / throughput in ciphertexts. */
  serverMsPerCiphertext: number;
}

export interface ServerBenchResult {
  model: { architecture: string; polyModulusDegree: number; partitions: number; moleculesPerCiphertext: number; evaluationKeyBytes: number }; // prettier-ignore
  /** Molecules in the query file, and how many of them featurized (the rest are error rows). */
  molecules: number;
  validMolecules: number;
  ciphertextsPerRequest: number;
  requestsInFlight: number;
  runs: ServerBenchRun[];
  /** 2-worker throughput over 1-worker throughput. */
  twoWorkerSpeedup: { query: number; server: number };
}

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));
const bin = join(repo, 'packages/cli/bin/chemveil.js');
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function zooLikeBundle() {
  const random = seededRandom(4242);
  const act = { kind: 'poly2', a: 0.125, b: 0.5, c: 0.25 } as const;
  return makeBundle({ name: 'bench-1024-64-32-1', inputLength: 1024, layers: [randomDense(1024, 64, random), act, randomDense(64, 32, random), act, randomDense(32, 1, random)] }); // prettier-ignore
}

/** Server-only throughput: every partition's inputs computed once by a real client, then replayed as new queries. */
async function serverThroughput(
  url: string,
  model: ModelSummary,
  features: Float32Array[],
  perRequest: number,
  inFlight: number,
  rounds: number,
) {
  // prettier-ignore
  const http = new ChemVeilHttpClient(url);
  const fhe = await FheClient.create(model.plan);
  try {
    const batch = features.slice(0, perRequest * model.plan.moleculesPerCiphertext);
    const { sessionId } = await http.session(model, fhe);
    const inputs: Uint8Array[][] = [fhe.encryptFeatures(batch)];
    let queryId: string | undefined;
    for (let k = 0; k < model.plan.partitions.length - 1; k++) {
      const reply = await http.evaluatePartition(sessionId, k, inputs[k]!, batch.length, queryId);
      queryId = reply.queryId;
      inputs.push(fhe.refresh(k, reply.results, batch.length));
    }
    const oneQuery = async () => {
      let id: string | undefined;
      for (let k = 0; k < inputs.length; k++) id = (await http.evaluatePartition(sessionId, k, inputs[k]!, batch.length, id)).queryId; // prettier-ignore
    };
    await oneQuery(); // warm: every worker loads the session's keys
    await Promise.all(Array.from({ length: inFlight }, oneQuery));
    const started = performance.now();
    let remaining = rounds;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (remaining-- > 0) await oneQuery();
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await http.closeSession(fhe);
    return {
      moleculesPerSecond: (rounds * batch.length) / seconds,
      msPerCiphertext: (seconds * 1000) / (rounds * perRequest),
    };
  } finally {
    fhe.dispose();
  }
}

export async function runServerBench(
  options: { molecules?: number; rounds?: number } = {},
): Promise<ServerBenchResult> {
  const count = options.molecules ?? 1000;
  const root = mkdtempSync(join(tmpdir(), 'chemveil-bench-server-'));
  try {
    const modelsDir = join(root, 'models');
    mkdirSync(modelsDir);
    writeFileSync(join(modelsDir, 'bench.cvmb'), serializeBundle(zooLikeBundle()));
    const lines = readFileSync(join(repo, 'data/datasets/Lipophilicity.csv'), 'utf8').trim().split('\n');
    const csv = [lines[0], ...lines.slice(1, count + 1)].join('\n') + '\n';
    const input = join(root, 'molecules.csv');
    writeFileSync(input, csv);
    const planCacheDir = join(root, 'plans');
    const env = { ...process.env, CHEMVEIL_PLAN_CACHE: planCacheDir };

    const featurizer = await loadFeaturizer();
    const file = readMoleculeFile(csv, { fileName: input });
    const perRequest = 8;
    const inFlight = 4;
    const runs: ServerBenchRun[] = [];
    let summary: ModelSummary | undefined;
    let validMolecules = 0;
    for (const workers of [1, 2]) {
      const app = createApp({ modelsDir, planCacheDir, workers, webRoot: undefined });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const model = (summary = await new ChemVeilHttpClient(url).getModel('bench'));
        const features = featurizeRecords(featurizer, file.records, model.featurizer).flatMap((r) => (r.ok ? [r.features] : [])); // prettier-ignore
        validMolecules = features.length;
        const started = performance.now();
        await run(process.execPath, [bin, 'query', '--server', url, '--model', 'bench', '-i', input, '-o', join(root, 'out.csv'), '--quiet'], { env, maxBuffer: 2 ** 26 }); // prettier-ignore
        const querySeconds = (performance.now() - started) / 1000;
        const server = await serverThroughput(url, model, features, perRequest, inFlight, options.rounds ?? 12);
        runs.push({
          workers,
          querySeconds: round(querySeconds),
          queryMoleculesPerSecond: round(count / querySeconds),
          serverMoleculesPerSecond: round(server.moleculesPerSecond),
          serverMsPerCiphertext: round(server.msPerCiphertext),
        });
      } finally {
        await app.close();
      }
    }
    const [one, two] = runs as [ServerBenchRun, ServerBenchRun];
    return {
      model: {
        architecture: 'Morgan 1024 → 64 → poly2 → 32 → poly2 → 1 (seeded random weights)',
        polyModulusDegree: summary!.plan.parameters.polyModulusDegree,
        partitions: summary!.plan.partitions.length,
        moleculesPerCiphertext: summary!.plan.moleculesPerCiphertext,
        evaluationKeyBytes: summary!.limits.evaluationKeyBytes,
      },
      molecules: count,
      validMolecules,
      ciphertextsPerRequest: perRequest,
      requestsInFlight: inFlight,
      runs,
      twoWorkerSpeedup: {
        query: round(two.queryMoleculesPerSecond / one.queryMoleculesPerSecond, 2),
        server: round(two.serverMoleculesPerSecond / one.serverMoleculesPerSecond, 2),
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runServerBench(), null, 2));
}
