import type { FeaturizerSpec } from '../featurizer-spec.ts';
import type { ModelCard } from './card.ts';

/** Bundle format version this build reads and writes (docs/model-bundle.md). */
export const BUNDLE_FORMAT_VERSION = 1;

/** Fully connected layer: y = W·x + b, W row-major `outFeatures × inFeatures`. */
export interface DenseLayer {
  kind: 'dense';
  inFeatures: number;
  outFeatures: number;
  weight: Float64Array;
  bias: Float64Array;
}

/** 2-D convolution over a C×H×W input (row-major), weight `outChannels × inChannels × kernelH × kernelW`. */
export interface Conv2dLayer {
  kind: 'conv2d';
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  weight: Float64Array;
  bias: Float64Array;
}

/** Inference-time batch norm over channels (after conv) or features (after dense); folded into the previous layer. */
export interface BatchNormLayer {
  kind: 'batchnorm';
  features: number;
  mean: Float64Array;
  variance: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  epsilon: number;
}

export interface SquareLayer {
  kind: 'square';
}

/** Degree-2 polynomial activation a·x² + b·x + c, element-wise. */
export interface Poly2Layer {
  kind: 'poly2';
  a: number;
  b: number;
  c: number;
}

/** Flatten C×H×W to a vector (a no-op on the row-major data). */
export interface FlattenLayer {
  kind: 'flatten';
}

/** Reinterpret the current vector with a new shape (same element count, row-major). */
export interface ReshapeLayer {
  kind: 'reshape';
  shape: number[];
}

export type Layer = DenseLayer | Conv2dLayer | BatchNormLayer | SquareLayer | Poly2Layer | FlattenLayer | ReshapeLayer;

export type LayerKind = Layer['kind'];

/** De-normalization of a regression output: value = mean + std · raw, in `units`. */
export interface RegressionTarget {
  name: string;
  units: string;
  mean: number;
  std: number;
}

/** What the raw network outputs mean; the client applies it after decryption. */
export type OutputHead =
  | { kind: 'regression'; targets: RegressionTarget[] }
  /** One logit per task; the client applies a sigmoid. */
  | { kind: 'binary'; tasks: { name: string; positiveLabel: string; negativeLabel: string }[] }
  /** One logit per class; the client applies a softmax. */
  | { kind: 'multiclass'; name: string; classes: string[] };

export interface Provenance {
  /** ISO 8601 time the bundle was written. */
  createdAt: string;
  /** Program (and version) that trained or converted the model. */
  producer: string;
  dataset?: string;
  seed?: number;
  notes?: string;
}

export interface ModelBundle {
  formatVersion: typeof BUNDLE_FORMAT_VERSION;
  name: string;
  description?: string;
  featurizer: FeaturizerSpec;
  /** Model input length: featureLength(featurizer), a power of two. */
  inputLength: number;
  /** Shape of the input vector: [inputLength] for dense nets, [C, H, W] when a convolution reads it as an image. */
  inputShape: number[];
  layers: Layer[];
  head: OutputHead;
  /** Held-out metrics from training, e.g. { rmse: 0.61, r2: 0.82 }. */
  metrics: Record<string, number>;
  provenance: Provenance;
  /**
   * Observed range of each layer's output on the training data (index i = after layer i), recorded by training:
   * how large encrypted activations get, for choosing scales and for spotting inputs outside the training domain.
   */
  activationRanges?: { min: number; max: number }[];
  /** The public model card (models in the zoo all have one). */
  card?: ModelCard;
}

/** Number of raw outputs a head expects. */
export function headOutputCount(head: OutputHead): number {
  if (head.kind === 'regression') return head.targets.length;
  if (head.kind === 'binary') return head.tasks.length;
  return head.classes.length;
}
