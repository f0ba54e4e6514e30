/**
 * Blinded refresh: mask bits vs precision vs leakage, measured on shipped models (and the engine bench's MLP).
 * For each mask setting the model is planned on one chain (default: the shipped [60,60,40,58]; `BLINDING_CHAIN`
 * picks another, `LADDER` the mask bits) on the server's sample molecules, then held-out molecules (the
 * featurizer's reference fixture) go through the real engine with masks on, and the max |encrypted − float64
 * reference| is recorded with the scale bits the activations kept. Also what the masks cost the server per
 * ciphertext on the plan it serves. Run standalone: `npx tsx bench/blinding.ts` prints the JSON.
 */
import { readFileSync } from 'node:fs';
import {
  blindedTransport,
  makeBundle,
  ModelEngine,
  parseBundle,
  planModel,
  randomDense,
  randomFingerprints,
  referenceForward,
  rescaleBits,
  seededRandom,
} from '@chemveil/core';
import type { CkksParameters, EvaluationPlan, ModelBundle } from '@chemveil/core';
import { loadFeaturizer } from '@chemveil/featurizer/node';
import { FheClient, selectPlan } from '@chemveil/fhe-worker';
import { SAMPLE_MOLECULES } from '../apps/server/src/models/sample-molecules.ts';

export interface BlindingRow {
  maskBits: number;
  /** Statistical distance per hidden value within the sampled bound (2^−maskBits; 1 = no blinding). */
  leakagePerValue: number;
  /** Union bound over every masked value of one molecule in one query. */
  leakagePerMolecule: number;
  /** Fewest scale bits any intermediate activation keeps (before its square). */
  activationScaleBits: number;
  /** Scale bits lost against the unblinded plan. */
  precisionBitsLost: number;
  /** max |encrypted − reference| over the held-out molecules, masks on. */
  maxAbsError: number;
}

export interface BlindingModelResult {
  model: string;
  molecules: number;
  maskedValuesPerMolecule: number;
  rows: BlindingRow[];
  /** What `selectPlan` (the server's startup planning) chooses on the server's sample molecules. */
  selected: { maskBits: number; coeffModulusBits: number[]; maxAbsError: number };
  /** Server ms per ciphertext (all partitions) on the selected plan with its masks, and without them. */
  serverMsPerCiphertextBlinded: number;
  serverMsPerCiphertextUnblinded: number;
}

export interface BlindingBenchResult {
  parameters: CkksParameters;
  /** The mask bits each model is planned and measured at. */
  ladder: number[];
  models: BlindingModelResult[];
}

const PARAMETERS: CkksParameters = {
  polyModulusDegree: 8192,
  coeffModulusBits: (process.env.BLINDING_CHAIN ?? '60,60,40,58').split(',').map(Number),
  securityLevel: 'tc128',
};
const LADDER = (process.env.LADDER ?? '0,8,16,24,32,40').split(',').map(Number);

/** Scale bits of every pre-square activation z: s' after the rescale, or S = s_in + s_w at the top level. */
const activationScaleBits = (plan: EvaluationPlan): number => {
  const q1 = rescaleBits(plan.parameters);
  const bits = plan.partitions.flatMap((p) =>
    p.ops.flatMap((op, i) => {
      if (op.kind !== 'linear' || p.ops[i + 1]?.kind !== 'square') return [];
      return [p.input.scaleBits + op.weightScaleBits - (op.rescale ? q1 : 0)];
    }),
  );
  return Math.min(...bits);
};

async function measure(plan: EvaluationPlan, bundle: ModelBundle, inputs: Float64Array[], blinded: boolean) {
  const engine = await ModelEngine.create(plan, bundle);
  const client = await FheClient.create(plan);
  const session = engine.openSession(client.evaluationKeys());
  try {
    let serverMs = 0;
    const transport = blinded
      ? blindedTransport(session, plan, inputs.length)
      : async (k: number, cts: Uint8Array[]) => session.evaluatePartition(k, cts);
    const outputs = await client.infer(inputs, async (k, cts) => {
      const started = performance.now();
      const results = await transport(k, cts);
      serverMs += performance.now() - started;
      return results;
    });
    let worst = 0;
    inputs.forEach((x, m) =>
      referenceForward(bundle, x).forEach((y, i) => (worst = Math.max(worst, Math.abs(outputs[m]![i]! - y)))),
    );
    return { maxAbsError: worst, serverMsPerCiphertext: serverMs / Math.ceil(inputs.length / plan.moleculesPerCiphertext) }; // prettier-ignore
  } finally {
    session.dispose();
    client.dispose();
    engine.dispose();
  }
}

async function benchModel(name: string, bundle: ModelBundle, samples: Float64Array[], heldOut: Float64Array[]) {
  const rows: BlindingRow[] = [];
  let unblindedBits = 0;
  let maskedValuesPerMolecule = 0;
  for (const maskBits of LADDER) {
    const plan = planModel(bundle, { parameters: PARAMETERS, samples, maskBits, minimumScaleBits: 1 });
    const bits = activationScaleBits(plan);
    if (maskBits === 0) unblindedBits = bits;
    maskedValuesPerMolecule = plan.blinding?.maskedValuesPerMolecule ?? maskedValuesPerMolecule;
    const blinded = await measure(plan, bundle, heldOut, maskBits > 0);
    rows.push({
      maskBits,
      leakagePerValue: plan.blinding?.leakagePerValue ?? 1,
      leakagePerMolecule: plan.blinding?.leakagePerMolecule ?? 1,
      activationScaleBits: bits,
      precisionBitsLost: unblindedBits - bits,
      maxAbsError: Number(blinded.maxAbsError.toExponential(2)),
    });
    if (process.env.BENCH_VERBOSE) console.error(name, JSON.stringify(rows[rows.length - 1]));
  }
  const selection = await selectPlan(bundle, samples);
  // What the masks cost the server on the plan it serves: the same plan with and without them.
  const timing = {
    blinded: (await measure(selection.plan, bundle, heldOut, true)).serverMsPerCiphertext,
    unblinded: (await measure(selection.plan, bundle, heldOut, false)).serverMsPerCiphertext,
  };
  return {
    model: name,
    selected: {
      maskBits: selection.plan.blinding?.maskBits ?? 0,
      coeffModulusBits: selection.plan.parameters.coeffModulusBits,
      maxAbsError: Number(selection.maxAbsError.toExponential(2)),
    },
    molecules: heldOut.length,
    maskedValuesPerMolecule,
    rows,
    serverMsPerCiphertextBlinded: Math.round(timing.blinded * 10) / 10,
    serverMsPerCiphertextUnblinded: Math.round(timing.unblinded * 10) / 10,
  };
}

export async function runBlindingBench(
  models = (process.env.BLINDING_MODELS ?? 'esol,bbbp,lipophilicity').split(','),
): Promise<BlindingBenchResult> {
  const featurizer = await loadFeaturizer();
  const fixture = readFileSync(new URL('../packages/featurizer/test/fixtures/reference.smi', import.meta.url), 'utf8');
  const heldOutSmiles = fixture.trim().split('\n').slice(0, 96);
  const featurizeAll = (smiles: readonly string[], bundle: ModelBundle): Float64Array[] =>
    smiles.flatMap((s) => {
      try {
        return [Float64Array.from(featurizer.featurize(s, bundle.featurizer))];
      } catch {
        return []; // the fixture's few invalid molecules
      }
    });
  const results: BlindingModelResult[] = [];
  for (const model of models) {
    const bundle = parseBundle(readFileSync(new URL(`../models/${model}.cvmb`, import.meta.url)));
    results.push(await benchModel(model, bundle, featurizeAll(SAMPLE_MOLECULES, bundle), featurizeAll(heldOutSmiles, bundle))); // prettier-ignore
  }
  if (process.env.BLINDING_MLP !== '0') {
    // The engine bench's dense network (random weights, random fingerprints).
    const random = seededRandom(2024);
    const mlp = makeBundle({
      name: 'mlp-1024-64-sq-32-sq-1',
      inputLength: 1024,
      layers: [randomDense(1024, 64, random), { kind: 'square' }, randomDense(64, 32, random), { kind: 'square' }, randomDense(32, 1, random)], // prettier-ignore
    });
    const inputs = randomFingerprints(40, 1024, random);
    results.push(await benchModel(mlp.name, mlp, inputs.slice(0, 8), inputs.slice(8)));
  }
  return { parameters: PARAMETERS, ladder: LADDER, models: results };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await runBlindingBench(), null, 2));
