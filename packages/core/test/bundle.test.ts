import { describe, expect, it } from 'vitest';
import {
  InvalidBundleError,
  makeBundle,
  parseBundle,
  randomConv2d,
  randomDense,
  seededRandom,
  serializeBundle,
  validateBundle,
} from '../src/index.ts';
import type { ModelBundle } from '../src/index.ts';

const random = seededRandom(7);
const bundle: ModelBundle = makeBundle({
  name: 'conv',
  inputLength: 256,
  layout: '16x16',
  layers: [
    randomConv2d(1, 2, 3, 1, 1, random),
    { kind: 'batchnorm', features: 2, mean: Float64Array.of(0.1, -0.2), variance: Float64Array.of(1.5, 0.5), gamma: Float64Array.of(1, 2), beta: Float64Array.of(0, 0.3), epsilon: 1e-5 }, // prettier-ignore
    { kind: 'poly2', a: 0.5, b: 1, c: 0.1 },
    { kind: 'flatten' },
    randomDense(512, 3, random),
  ],
  head: { kind: 'multiclass', name: 'class', classes: ['a', 'b', 'c'] },
});

describe('model bundle format', () => {
  it('round-trips float64 weights bit for bit', () => {
    const parsed = parseBundle(serializeBundle(bundle));
    expect(parsed).toEqual(bundle);
  });

  it('stores float32 weights in half the bytes, within float32 precision', () => {
    const f64 = serializeBundle(bundle, 'f64');
    const f32 = serializeBundle(bundle, 'f32');
    expect(f32.length).toBeLessThan(f64.length * 0.6);
    const parsed = parseBundle(f32);
    const original = bundle.layers[0] as { weight: Float64Array };
    const read = parsed.layers[0] as { weight: Float64Array };
    read.weight.forEach((w, i) => expect(w).toBeCloseTo(original.weight[i]!, 6));
  });

  it('rejects foreign bytes, other versions and truncation with InvalidBundleError', () => {
    const bytes = serializeBundle(bundle);
    expect(() => parseBundle(new Uint8Array(40))).toThrow(InvalidBundleError);
    const otherVersion = bytes.slice();
    otherVersion[4] = 9;
    expect(() => parseBundle(otherVersion)).toThrow(/version 9/);
    expect(() => parseBundle(bytes.subarray(0, bytes.length - 16))).toThrow(/out of range/);
  });

  it('names the first structural fault', () => {
    const wrongInput = { ...bundle, layers: [randomDense(100, 3, random)] };
    expect(() => validateBundle(wrongInput)).toThrow(/layer 0 \(dense\): expects 100 inputs, gets 256/);
    const wrongHead = { ...bundle, head: { kind: 'binary' as const, tasks: [] } };
    expect(() => validateBundle(wrongHead)).toThrow(/head expects 0 outputs, network produces 3/);
    const wrongLength = { ...bundle, inputLength: 512 };
    expect(() => validateBundle(wrongLength)).toThrow(/featureLength/);
  });
});
