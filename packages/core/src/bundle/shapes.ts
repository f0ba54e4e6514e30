import { InvalidBundleError } from './errors.ts';
import type { Conv2dLayer, Layer, ModelBundle } from './types.ts';

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export interface ConvGeometry {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

export function convGeometry(layer: Conv2dLayer, inputShape: number[]): ConvGeometry {
  if (inputShape.length !== 3) throw new InvalidBundleError(`conv2d needs a [C, H, W] input, got [${inputShape}]`);
  const [c, h, w] = inputShape as [number, number, number];
  if (c !== layer.inChannels)
    throw new InvalidBundleError(`conv2d expects ${layer.inChannels} channels, input has ${c}`);
  const [kh, kw] = layer.kernel;
  const [sh, sw] = layer.stride;
  const [ph, pw] = layer.padding;
  const outHeight = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const outWidth = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (outHeight < 1 || outWidth < 1) throw new InvalidBundleError(`conv2d kernel ${kh}x${kw} does not fit ${h}x${w}`);
  return {
    inChannels: c,
    inHeight: h,
    inWidth: w,
    outChannels: layer.outChannels,
    outHeight,
    outWidth,
    kernel: [kh, kw],
    stride: [sh, sw],
    padding: [ph, pw],
  };
}

/** Shape of the activations after one layer; throws InvalidBundleError when the layer does not fit its input. */
export function outputShape(layer: Layer, shape: number[], index: number): number[] {
  const size = product(shape);
  const fail = (message: string): never => {
    throw new InvalidBundleError(`layer ${index} (${layer.kind}): ${message}`);
  };
  switch (layer.kind) {
    case 'dense':
      if (layer.inFeatures !== size) fail(`expects ${layer.inFeatures} inputs, gets ${size}`);
      if (layer.weight.length !== layer.inFeatures * layer.outFeatures) fail('weight size mismatch');
      if (layer.bias.length !== layer.outFeatures) fail('bias size mismatch');
      return [layer.outFeatures];
    case 'conv2d': {
      const g = convGeometry(layer, shape);
      if (layer.weight.length !== g.outChannels * g.inChannels * g.kernel[0] * g.kernel[1])
        fail('weight size mismatch');
      if (layer.bias.length !== g.outChannels) fail('bias size mismatch');
      if (g.stride.some((s) => s < 1) || g.padding.some((p) => p < 0)) fail('bad stride or padding');
      return [g.outChannels, g.outHeight, g.outWidth];
    }
    case 'batchnorm': {
      const channels = shape.length === 3 ? shape[0]! : size;
      if (layer.features !== channels) fail(`normalizes ${layer.features} features, input has ${channels}`);
      for (const field of ['mean', 'variance', 'gamma', 'beta'] as const)
        if (layer[field].length !== channels) fail(`${field} size mismatch`);
      if (layer.variance.some((v) => v + layer.epsilon <= 0)) fail('variance + epsilon must be positive');
      return shape;
    }
    case 'square':
    case 'poly2':
      return shape;
    case 'flatten':
      return [size];
    case 'reshape':
      if (product(layer.shape) !== size) fail(`cannot reshape ${size} values to [${layer.shape}]`);
      return [...layer.shape];
  }
}

/** Input shape of every layer plus the final output shape (length layers + 1). */
export function layerShapes(bundle: Pick<ModelBundle, 'inputShape' | 'layers'>): number[][] {
  const shapes = [bundle.inputShape];
  bundle.layers.forEach((layer, i) => shapes.push(outputShape(layer, shapes[i]!, i)));
  return shapes;
}
