import { convGeometry, layerShapes } from '../bundle/shapes.ts';
import type { ConvGeometry } from '../bundle/shapes.ts';
import type { ModelBundle } from '../bundle/types.ts';

/**
 * Lowering: the bundle's layers become the three things CKKS evaluates — linear maps, squares, and element-wise
 * affine maps. Batch norm and the affine parts of poly2 are folded into a neighbouring linear map (no level, no
 * rotation); an affine that has no linear neighbour stays and is applied by the client at a partition boundary.
 */

/** A linear map y = W·x + bias on logical (row-major) vectors; W is dense or a convolution. */
export interface LinearStage {
  kind: 'linear';
  inLength: number;
  outLength: number;
  /** Per output element (a conv bias is expanded so folded shifts may vary by position). */
  bias: Float64Array;
  dense?: Float64Array;
  conv?: { geometry: ConvGeometry; kernel: Float64Array };
  sourceLayers: number[];
}

export interface SquareStage {
  kind: 'square';
  length: number;
  sourceLayers: number[];
}

/** Element-wise y = scale ⊙ x + shift. */
export interface AffineStage {
  kind: 'affine';
  length: number;
  scale: Float64Array;
  shift: Float64Array;
  sourceLayers: number[];
}

export type Stage = LinearStage | SquareStage | AffineStage;

export class UnsupportedNetworkError extends Error {
  override name = 'UnsupportedNetworkError';
  readonly code = 'UNSUPPORTED_NETWORK';
}

const kernelSize = (g: ConvGeometry): number => g.inChannels * g.kernel[0] * g.kernel[1];

/** Calls visit(row, column, weight) for every structurally non-zero weight of W (logical indices). */
export function forEachWeight(stage: LinearStage, visit: (row: number, column: number, weight: number) => void): void {
  if (stage.dense) {
    for (let r = 0; r < stage.outLength; r++)
      for (let c = 0; c < stage.inLength; c++) {
        const w = stage.dense[r * stage.inLength + c]!;
        if (w !== 0) visit(r, c, w);
      }
    return;
  }
  const { geometry: g, kernel } = stage.conv!;
  const [kh, kw] = g.kernel;
  for (let co = 0; co < g.outChannels; co++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++) {
        const row = (co * g.outHeight + oy) * g.outWidth + ox;
        for (let ci = 0; ci < g.inChannels; ci++)
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * g.stride[0] - g.padding[0] + ky;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * g.stride[1] - g.padding[1] + kx;
              if (ix < 0 || ix >= g.inWidth) continue;
              const w = kernel[((co * g.inChannels + ci) * kh + ky) * kw + kx]!;
              if (w !== 0) visit(row, (ci * g.inHeight + iy) * g.inWidth + ix, w);
            }
          }
      }
}

export function applyLinear(stage: LinearStage, x: ArrayLike<number>, withBias = true): Float64Array {
  const y = withBias ? Float64Array.from(stage.bias) : new Float64Array(stage.outLength);
  forEachWeight(stage, (r, c, w) => (y[r]! += w * x[c]!));
  return y;
}

export function applyStage(stage: Stage, x: Float64Array): Float64Array {
  if (stage.kind === 'linear') return applyLinear(stage, x);
  if (stage.kind === 'square') return x.map((v) => v * v);
  return x.map((v, i) => stage.scale[i]! * v + stage.shift[i]!);
}

/** Every stage's output for one input: used for activation bounds and to prove lowering equals the reference. */
export function forwardStages(stages: Stage[], input: ArrayLike<number>): Float64Array[] {
  const outputs: Float64Array[] = [];
  let x: Float64Array = Float64Array.from(input);
  for (const stage of stages) outputs.push((x = applyStage(stage, x)));
  return outputs;
}

/** The per-channel value of a per-element vector, or undefined when it varies inside a channel. */
function perChannel(values: Float64Array, channels: number): Float64Array | undefined {
  const size = values.length / channels;
  const out = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    out[c] = values[c * size]!;
    for (let i = 1; i < size; i++) if (values[c * size + i] !== out[c]) return undefined;
  }
  return out;
}

function denseOf(stage: LinearStage): Float64Array {
  if (stage.dense) return stage.dense;
  if (stage.inLength * stage.outLength > 1 << 24)
    throw new UnsupportedNetworkError('an affine that varies inside a channel cannot fold into this large conv');
  const dense = new Float64Array(stage.inLength * stage.outLength);
  forEachWeight(stage, (r, c, w) => (dense[r * stage.inLength + c] = w));
  return dense;
}

/** diag(a)·(W x + b) + s. */
function foldAffineAfter(linear: LinearStage, affine: AffineStage): LinearStage {
  const bias = linear.bias.map((b, i) => affine.scale[i]! * b + affine.shift[i]!);
  const sourceLayers = [...linear.sourceLayers, ...affine.sourceLayers];
  if (linear.conv) {
    const g = linear.conv.geometry;
    const channelScale = perChannel(affine.scale, g.outChannels);
    if (channelScale) {
      const perOut = kernelSize(g);
      const kernel = linear.conv.kernel.map((w, i) => w * channelScale[Math.floor(i / perOut)]!);
      return { ...linear, bias, conv: { geometry: g, kernel }, sourceLayers };
    }
  }
  const dense = denseOf(linear).map((w, i) => w * affine.scale[Math.floor(i / linear.inLength)]!);
  return { kind: 'linear', inLength: linear.inLength, outLength: linear.outLength, bias, dense, sourceLayers };
}

/** W·(a ⊙ x + s) + b = (W·diag(a))·x + (W·s + b). */
function foldAffineBefore(affine: AffineStage, linear: LinearStage): LinearStage {
  const bias = applyLinear(linear, affine.shift);
  const sourceLayers = [...affine.sourceLayers, ...linear.sourceLayers];
  if (linear.conv) {
    const g = linear.conv.geometry;
    const channelScale = perChannel(affine.scale, g.inChannels);
    if (channelScale) {
      const perIn = g.kernel[0] * g.kernel[1];
      const kernel = linear.conv.kernel.map((w, i) => w * channelScale[Math.floor(i / perIn) % g.inChannels]!);
      return { ...linear, bias, conv: { geometry: g, kernel }, sourceLayers };
    }
  }
  const dense = denseOf(linear).map((w, i) => w * affine.scale[i % linear.inLength]!);
  return { kind: 'linear', inLength: linear.inLength, outLength: linear.outLength, bias, dense, sourceLayers };
}

function mergeAffines(first: AffineStage, second: AffineStage): AffineStage {
  return {
    ...first,
    scale: first.scale.map((a, i) => a * second.scale[i]!),
    shift: first.shift.map((s, i) => second.scale[i]! * s + second.shift[i]!),
    sourceLayers: [...first.sourceLayers, ...second.sourceLayers],
  };
}

export function lowerBundle(bundle: Pick<ModelBundle, 'inputShape' | 'layers'>): Stage[] {
  const shapes = layerShapes(bundle);
  const raw: Stage[] = [];
  const affine = (length: number, a: number, s: number, layer: number): AffineStage => ({
    kind: 'affine',
    length,
    scale: new Float64Array(length).fill(a),
    shift: new Float64Array(length).fill(s),
    sourceLayers: [layer],
  });
  bundle.layers.forEach((layer, i) => {
    const inShape = shapes[i]!;
    const length = inShape.reduce((a, b) => a * b, 1);
    const outLength = shapes[i + 1]!.reduce((a, b) => a * b, 1);
    switch (layer.kind) {
      case 'dense':
        raw.push({ kind: 'linear', inLength: length, outLength, bias: Float64Array.from(layer.bias), dense: layer.weight, sourceLayers: [i] }); // prettier-ignore
        break;
      case 'conv2d': {
        const geometry = convGeometry(layer, inShape);
        const perChannelOut = geometry.outHeight * geometry.outWidth;
        const bias = Float64Array.from({ length: outLength }, (_, j) => layer.bias[Math.floor(j / perChannelOut)]!);
        raw.push({ kind: 'linear', inLength: length, outLength, bias, conv: { geometry, kernel: layer.weight }, sourceLayers: [i] }); // prettier-ignore
        break;
      }
      case 'batchnorm': {
        const perChannelSize = inShape.length === 3 ? inShape[1]! * inShape[2]! : 1;
        const scale = new Float64Array(length);
        const shift = new Float64Array(length);
        for (let j = 0; j < length; j++) {
          const c = Math.floor(j / perChannelSize);
          scale[j] = layer.gamma[c]! / Math.sqrt(layer.variance[c]! + layer.epsilon);
          shift[j] = layer.beta[c]! - scale[j]! * layer.mean[c]!;
        }
        raw.push({ kind: 'affine', length, scale, shift, sourceLayers: [i] });
        break;
      }
      case 'square':
        raw.push({ kind: 'square', length, sourceLayers: [i] });
        break;
      case 'poly2':
        // a·x² + b·x + c = a·(x + b/2a)² + (c − b²/4a): a shift, a square, an affine — the affines fold away.
        if (layer.a === 0) raw.push(affine(length, layer.b, layer.c, i));
        else {
          raw.push(affine(length, 1, layer.b / (2 * layer.a), i));
          raw.push({ kind: 'square', length, sourceLayers: [i] });
          raw.push(affine(length, layer.a, layer.c - (layer.b * layer.b) / (4 * layer.a), i));
        }
        break;
      case 'flatten':
      case 'reshape':
        break;
    }
  });
  // Pass 1: merge affine runs and fold each affine into the linear map before it.
  const afterFold: Stage[] = [];
  for (const stage of raw) {
    const previous = afterFold[afterFold.length - 1];
    if (stage.kind === 'affine' && previous?.kind === 'affine')
      afterFold[afterFold.length - 1] = mergeAffines(previous, stage); // prettier-ignore
    else if (stage.kind === 'affine' && previous?.kind === 'linear')
      afterFold[afterFold.length - 1] = foldAffineAfter(previous, stage); // prettier-ignore
    else afterFold.push(stage);
  }
  // Pass 2: an affine still standing folds into the linear map right after it.
  const stages: Stage[] = [];
  for (let i = 0; i < afterFold.length; i++) {
    const stage = afterFold[i]!;
    const next = afterFold[i + 1];
    if (stage.kind === 'affine' && next?.kind === 'linear') {
      stages.push(foldAffineBefore(stage, next));
      i++;
    } else stages.push(stage);
  }
  return stages;
}
