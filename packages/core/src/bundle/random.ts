import type { FeaturizerSpec } from '../featurizer-spec.ts';
import type { Conv2dLayer, DenseLayer, Layer, ModelBundle, OutputHead } from './types.ts';
import { BUNDLE_FORMAT_VERSION } from './types.ts';

/** Deterministic uniform [0, 1) numbers (Mulberry32), for fixtures and benchmarks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uniform = (random: () => number, n: number, limit: number): Float64Array =>
  Float64Array.from({ length: n }, () => (2 * random() - 1) * limit);

/** Dense layer with Glorot-uniform-like weights (keeps activations O(1) for 0/1 fingerprints). */
export function randomDense(inFeatures: number, outFeatures: number, random: () => number): DenseLayer {
  const limit = Math.sqrt(6 / (inFeatures + outFeatures));
  return { kind: 'dense', inFeatures, outFeatures, weight: uniform(random, inFeatures * outFeatures, limit), bias: uniform(random, outFeatures, 0.1) }; // prettier-ignore
}

export function randomConv2d(
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  padding: number,
  random: () => number,
): Conv2dLayer {
  const fanIn = inChannels * kernel * kernel;
  return {
    kind: 'conv2d',
    inChannels,
    outChannels,
    kernel: [kernel, kernel],
    stride: [stride, stride],
    padding: [padding, padding],
    weight: uniform(random, outChannels * fanIn, Math.sqrt(3 / fanIn)),
    bias: uniform(random, outChannels, 0.1),
  };
}

/** A complete bundle around some layers, with a one-target regression head (or the head given). */
export function makeBundle(options: {
  name: string;
  inputLength: number;
  /** 'HxW' reads the fingerprint as a 1×H×W image. */
  layout?: FeaturizerSpec['layout'];
  layers: Layer[];
  outputs?: number;
  head?: OutputHead;
}): ModelBundle {
  const layout = options.layout ?? 'flat';
  const match = /^(\d+)x(\d+)$/.exec(layout);
  const outputs = options.outputs ?? 1;
  return {
    formatVersion: BUNDLE_FORMAT_VERSION,
    name: options.name,
    featurizer: { version: 1, kind: 'morgan', radius: 2, nBits: options.inputLength, layout, standardize: 'largest-organic-fragment' }, // prettier-ignore
    inputLength: options.inputLength,
    inputShape: match ? [1, Number(match[1]), Number(match[2])] : [options.inputLength],
    layers: options.layers,
    head: options.head ?? {
      kind: 'regression',
      targets: Array.from({ length: outputs }, (_, i) => ({ name: `y${i}`, units: 'log units', mean: 0, std: 1 })),
    },
    metrics: {},
    provenance: { createdAt: '2025-01-01T00:00:00.000Z', producer: 'randomBundle' },
  };
}

/** Fingerprint-like inputs: each bit set with probability `density`. */
export function randomFingerprints(count: number, length: number, random: () => number, density = 0.1) {
  return Array.from({ length: count }, () => Float64Array.from({ length }, () => (random() < density ? 1 : 0)));
}
