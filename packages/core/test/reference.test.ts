import { describe, expect, it } from 'vitest';
import {
  applyOutputHead,
  forwardStages,
  lowerBundle,
  makeBundle,
  randomConv2d,
  randomDense,
  randomFingerprints,
  referenceForward,
  seededRandom,
} from '../src/index.ts';
import type { Layer } from '../src/index.ts';

const random = seededRandom(11);
const bn = (features: number): Layer => ({
  kind: 'batchnorm',
  features,
  mean: Float64Array.from({ length: features }, () => random() - 0.5),
  variance: Float64Array.from({ length: features }, () => 0.5 + random()),
  gamma: Float64Array.from({ length: features }, () => 0.5 + random()),
  beta: Float64Array.from({ length: features }, () => random() - 0.5),
  epsilon: 1e-5,
});

describe('float64 reference and lowering', () => {
  it('computes a multi-channel convolution by the definition', () => {
    // 2 input channels of 3×3, one 2×2 output channel, stride 1, no padding: check one output by hand.
    const conv = { kind: 'conv2d' as const, inChannels: 2, outChannels: 1, kernel: [2, 2] as [number, number], stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], weight: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8), bias: Float64Array.of(0.5) }; // prettier-ignore
    const bundle = { inputShape: [2, 3, 3], layers: [conv] };
    const x = Float64Array.from({ length: 18 }, (_, i) => i);
    const y = referenceForward(bundle, x);
    // out[0,0] = Σ_c Σ_ky,kx w[c,ky,kx] x[c,ky,kx] + b
    const expected = 0.5 + (1 * 0 + 2 * 1 + 3 * 3 + 4 * 4) + (5 * 9 + 6 * 10 + 7 * 12 + 8 * 13);
    expect(y.length).toBe(4);
    expect(y[0]).toBe(expected);
  });

  it('folds batch norm and poly2 into linear maps without changing the function', () => {
    const bundle = makeBundle({
      name: 'folds',
      inputLength: 256,
      layout: '16x16',
      layers: [
        randomConv2d(1, 3, 3, 2, 1, random),
        bn(3),
        { kind: 'poly2', a: 0.25, b: 0.5, c: -0.1 },
        { kind: 'reshape', shape: [3, 8, 8] },
        randomConv2d(3, 2, 2, 2, 0, random),
        { kind: 'flatten' },
        bn(32),
        { kind: 'square' },
        randomDense(32, 8, random),
        { kind: 'poly2', a: -0.3, b: 0.2, c: 0.05 },
        randomDense(8, 2, random),
      ],
      outputs: 2,
    });
    const stages = lowerBundle(bundle);
    expect(stages.map((s) => s.kind)).toEqual(['linear', 'square', 'linear', 'square', 'linear', 'square', 'linear']);
    expect(stages[0]!.kind === 'linear' && stages[0]!.conv).toBeTruthy(); // per-channel BN keeps the conv a conv
    for (const x of randomFingerprints(5, 256, random, 0.3)) {
      const lowered = forwardStages(stages, x);
      const reference = referenceForward(bundle, x);
      lowered[lowered.length - 1]!.forEach((v, i) => expect(v).toBeCloseTo(reference[i]!, 10));
    }
  });

  it('leaves an unfoldable affine for the client (poly2 on the raw input)', () => {
    const bundle = makeBundle({ name: 'p', inputLength: 16, layers: [{ kind: 'poly2', a: 1, b: 1, c: 0 }, randomDense(16, 1, random)] }); // prettier-ignore
    const stages = lowerBundle(bundle);
    expect(stages.map((s) => s.kind)).toEqual(['affine', 'square', 'linear']);
  });

  it('applies output heads: de-normalized regression, sigmoid, softmax', () => {
    const regression = applyOutputHead({ kind: 'regression', targets: [{ name: 'logS', units: 'log mol/L', mean: -3, std: 2 }] }, [0.5]); // prettier-ignore
    expect(regression).toEqual({ kind: 'regression', values: [{ name: 'logS', value: -2, units: 'log mol/L' }] });
    const binary = applyOutputHead({ kind: 'binary', tasks: [{ name: 'tox', positiveLabel: 'toxic', negativeLabel: 'safe' }] }, [0]); // prettier-ignore
    expect(binary).toEqual({ kind: 'binary', tasks: [{ name: 'tox', probability: 0.5, label: 'toxic' }] });
    const multi = applyOutputHead({ kind: 'multiclass', name: 'c', classes: ['a', 'b'] }, [0, Math.log(3)]);
    if (multi.kind !== 'multiclass') throw new Error('kind');
    expect(multi.probabilities[1]!.probability).toBeCloseTo(0.75, 12);
    expect(multi.label).toBe('b');
  });
});
