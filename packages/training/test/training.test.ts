import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceForward, validateBundle } from '@chemveil/core';
import { loadFeaturizer, type Featurizer } from '@chemveil/featurizer/node';
import { seededRandom, trainModel, trainNetwork, VEIL_ACTIVATION, type TrainingData } from '@chemveil/training';

/** y = x0 + x1 − x2 on random binary inputs: a problem a 2-layer polynomial net learns in a few epochs. */
function synthetic(count: number, seed: number): TrainingData {
  const random = seededRandom(seed);
  const inputLength = 16;
  const features = Float32Array.from({ length: count * inputLength }, () => (random() < 0.5 ? 1 : 0));
  const targets = Float32Array.from({ length: count }, (_, i) => {
    const x = features.subarray(i * inputLength);
    return x[0] + x[1] - x[2] - 0.5;
  });
  return { features, inputLength, targets };
}

const options = {
  task: 'regression' as const,
  hidden: [8, 4],
  activation: VEIL_ACTIVATION,
  epochs: 40,
  patience: 40,
  batchSize: 32,
  learningRate: 1e-2,
  l2: 0,
  inputDropout: 0,
  logitPenalty: 0,
};

describe('trainer', () => {
  it('learns, and the same seed gives bit-identical weights', async () => {
    const train = synthetic(512, 1);
    const valid = synthetic(128, 2);
    const a = await trainNetwork(train, valid, { ...options, seed: 5 });
    const b = await trainNetwork(train, valid, { ...options, seed: 5 });
    const c = await trainNetwork(train, valid, { ...options, seed: 6 });
    expect(a.curve.at(-1)!.validLoss).toBeLessThan(a.curve[0].validLoss / 5);
    expect(a.dense.map((d) => Array.from(d.weight))).toEqual(b.dense.map((d) => Array.from(d.weight)));
    expect(Array.from(a.dense[0].weight)).not.toEqual(Array.from(c.dense[0].weight));
    expect(a.dense.map((d) => [d.inFeatures, d.outFeatures])).toEqual([
      [16, 8],
      [8, 4],
      [4, 1],
    ]);
  });
});

describe('trainModel', () => {
  let featurizer: Featurizer;
  beforeAll(async () => {
    featurizer = await loadFeaturizer();
  });

  it('trains a bundle from a CSV, reports bad rows, and its metrics are the reference forward pass on the test split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chemveil-train-'));
    const csv = join(dir, 'data.csv');
    const random = seededRandom(3);
    const alkanes = Array.from({ length: 60 }, (_, i) => 'C'.repeat(1 + (i % 12)) + (i % 2 ? 'O' : 'N'));
    const rows = alkanes.map((s) => `${s},${(s.length * 0.3 + random() * 0.1).toFixed(3)}`);
    writeFileSync(csv, ['smiles,logS', ...rows, 'CC(C,1.0', 'CCO,not-a-number'].join('\n') + '\n');
    const { bundle, report } = await trainModel(featurizer, {
      data: csv,
      targetColumn: 'logS',
      task: 'regression',
      arch: 'veilnet',
      split: 'random',
      seed: 1,
      units: 'log mol/L',
      overrides: { epochs: 30 },
    });
    expect(() => validateBundle(bundle)).not.toThrow();
    expect(report.dataset.rejected.map((r) => [r.row, r.error.code])).toEqual([
      [61, 'INVALID_SMILES'],
      [62, 'MALFORMED_ROW'],
    ]);
    expect(report.split).toMatchObject({ train: 48, valid: 6, test: 6 });
    expect(bundle.featurizer.descriptors?.names).toContain('CrippenClogP');
    expect(bundle.layers.map((l) => l.kind)).toEqual(['dense', 'poly2', 'dense', 'poly2', 'dense']);
    // Recompute the first test prediction from the bundle alone.
    const first = report.testPredictions[0];
    const raw = referenceForward(bundle, report.testFeatures[0])[0];
    const head = bundle.head.kind === 'regression' ? bundle.head.targets[0] : undefined;
    expect(head!.mean + head!.std * raw).toBeCloseTo(first.predicted, 9);
    // The reported RMSE is the RMSE of the reported test predictions.
    const squared = report.testPredictions.map((p) => (p.predicted - p.truth) ** 2);
    expect(report.testMetrics.rmse).toBeCloseTo(Math.sqrt(squared.reduce((a, b) => a + b, 0) / squared.length), 9);
  });
});
