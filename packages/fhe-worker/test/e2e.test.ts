import {
  makeBundle,
  ModelEngine,
  planModel,
  randomConv2d,
  randomDense,
  randomFingerprints,
  referenceForward,
  seededRandom,
} from '@chemveil/core';
import type { Layer, ModelBundle, PlanOptions } from '@chemveil/core';
import { describe, expect, it } from 'vitest';
import { FheClient } from '../src/client.ts';

/** Tolerance: the target, max |encrypted − float64 reference| ≤ 1e-3 on every output. */
const TOLERANCE = 1e-3;

async function encryptedVsReference(bundle: ModelBundle, inputs: Float64Array[], options: PlanOptions = {}) {
  // No mask headroom: these check the lowering at full precision (blinding.test.ts checks masked precision).
  const plan = planModel(bundle, { samples: inputs, maskBits: 0, ...options });
  const engine = await ModelEngine.create(plan, bundle);
  const client = await FheClient.create(plan);
  const session = engine.openSession(client.evaluationKeys());
  try {
    const outputs = await client.infer(inputs, async (k, cts) => session.evaluatePartition(k, cts));
    let worst = 0;
    inputs.forEach((x, m) => referenceForward(bundle, x).forEach((y, i) => (worst = Math.max(worst, Math.abs(outputs[m]![i]! - y))))); // prettier-ignore
    return { plan, worst, outputs };
  } finally {
    session.dispose();
    client.dispose();
    engine.dispose();
  }
}

const random = seededRandom(42);
const batchNorm = (features: number): Layer => ({
  kind: 'batchnorm',
  features,
  mean: Float64Array.from({ length: features }, () => 0.2 * (random() - 0.5)),
  variance: Float64Array.from({ length: features }, () => 0.5 + random()),
  gamma: Float64Array.from({ length: features }, () => 0.5 + 0.5 * random()),
  beta: Float64Array.from({ length: features }, () => 0.2 * (random() - 0.5)),
  epsilon: 1e-5,
});

describe('encrypted inference equals the float64 reference', () => {
  it('MLP 1024→64→x²→32→x²→1, 6 molecules over 2 ciphertexts, 3 partitions', async () => {
    const bundle = makeBundle({
      name: 'mlp',
      inputLength: 1024,
      layers: [randomDense(1024, 64, random), { kind: 'square' }, randomDense(64, 32, random), { kind: 'square' }, randomDense(32, 1, random)], // prettier-ignore
    });
    const { plan, worst } = await encryptedVsReference(bundle, randomFingerprints(6, 1024, random));
    expect(plan.partitions).toHaveLength(3);
    expect(worst).toBeLessThan(TOLERANCE);
  });

  const multiChannel = makeBundle({
    name: 'multi-channel-conv',
    inputLength: 256,
    layout: '16x16',
    layers: [
      randomConv2d(1, 3, 3, 1, 1, random), // 3×16×16, padding 1
      batchNorm(3),
      { kind: 'poly2', a: 0.3, b: 0.5, c: 0.05 },
      randomConv2d(3, 4, 2, 2, 0, random), // multi-channel in and out: 4×8×8
      { kind: 'square' },
      { kind: 'flatten' },
      randomDense(256, 16, random),
      batchNorm(16),
      { kind: 'square' },
      randomDense(16, 3, random),
    ],
    outputs: 3,
  });

  it('multi-channel convolutions as sparse diagonals (4 partitions, 3 outputs, BN and poly2 folded)', async () => {
    const inputs = randomFingerprints(4, 256, random, 0.2);
    const { plan, worst } = await encryptedVsReference(multiChannel, inputs, { convolution: 'sparse-diagonals' });
    expect(plan.partitions.length).toBeGreaterThanOrEqual(4);
    expect(plan.partitions[1]!.ops[0]).toMatchObject({ method: 'sparse-diagonals' });
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('multi-channel convolutions with client-side im2col at every partition start', async () => {
    const inputs = randomFingerprints(4, 256, random, 0.2);
    const { plan, worst } = await encryptedVsReference(multiChannel, inputs, { convolution: 'im2col' });
    expect(plan.partitions[0]!.ops[0]).toMatchObject({ method: 'im2col-diagonals' });
    expect(plan.partitions[1]!.ops[0]).toMatchObject({ method: 'im2col-diagonals' });
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('a poly2 on the raw input: the client applies the shift, a lone square runs at the top level', async () => {
    const bundle = makeBundle({
      name: 'poly-first',
      inputLength: 64,
      layers: [{ kind: 'poly2', a: 0.5, b: -0.25, c: 0.1 }, randomDense(64, 8, random), { kind: 'square' }, randomDense(8, 2, random)], // prettier-ignore
      outputs: 2,
    });
    const inputs = randomFingerprints(3, 64, random, 0.5);
    const { plan, worst } = await encryptedVsReference(bundle, inputs);
    expect(plan.partitions[0]!.ops.map((o) => o.kind)).toEqual(['square']);
    expect(plan.partitions[0]!.input.clientAffine).toBeDefined();
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('a single molecule is replicated into every lane and decodes the same', async () => {
    const bundle = makeBundle({ name: 'small', inputLength: 128, layers: [randomDense(128, 16, random), { kind: 'square' }, randomDense(16, 1, random)] }); // prettier-ignore
    const { worst, outputs } = await encryptedVsReference(bundle, randomFingerprints(1, 128, random));
    expect(outputs).toHaveLength(1);
    expect(worst).toBeLessThan(TOLERANCE);
  });
});
