import { convGeometry, outputShape } from '../bundle/shapes.ts';
import type { Conv2dLayer, Layer, ModelBundle } from '../bundle/types.ts';

/** Float64 convolution on a C×H×W row-major tensor; zero padding. */
function conv2d(layer: Conv2dLayer, x: Float64Array, shape: number[]): Float64Array {
  const g = convGeometry(layer, shape);
  const [kh, kw] = g.kernel;
  const out = new Float64Array(g.outChannels * g.outHeight * g.outWidth);
  for (let co = 0; co < g.outChannels; co++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++) {
        let sum = layer.bias[co]!;
        for (let ci = 0; ci < g.inChannels; ci++)
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * g.stride[0] - g.padding[0] + ky;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * g.stride[1] - g.padding[1] + kx;
              if (ix < 0 || ix >= g.inWidth) continue;
              sum +=
                layer.weight[((co * g.inChannels + ci) * kh + ky) * kw + kx]! *
                x[(ci * g.inHeight + iy) * g.inWidth + ix]!;
            }
          }
        out[(co * g.outHeight + oy) * g.outWidth + ox] = sum;
      }
  return out;
}

function applyLayer(layer: Layer, x: Float64Array, shape: number[]): Float64Array {
  switch (layer.kind) {
    case 'dense': {
      const out = new Float64Array(layer.outFeatures);
      for (let r = 0; r < layer.outFeatures; r++) {
        let sum = layer.bias[r]!;
        const row = r * layer.inFeatures;
        for (let c = 0; c < layer.inFeatures; c++) sum += layer.weight[row + c]! * x[c]!;
        out[r] = sum;
      }
      return out;
    }
    case 'conv2d':
      return conv2d(layer, x, shape);
    case 'batchnorm': {
      const perChannel = shape.length === 3 ? shape[1]! * shape[2]! : 1;
      return x.map((v, i) => {
        const c = Math.floor(i / perChannel);
        return (
          (layer.gamma[c]! * (v - layer.mean[c]!)) / Math.sqrt(layer.variance[c]! + layer.epsilon) + layer.beta[c]!
        );
      });
    }
    case 'square':
      return x.map((v) => v * v);
    case 'poly2':
      return x.map((v) => layer.a * v * v + layer.b * v + layer.c);
    case 'flatten':
    case 'reshape':
      return x;
  }
}

/** Every layer's output (index i = after layer i), unfolded: the ground truth for encrypted results and folding. */
export function forwardWithActivations(bundle: Pick<ModelBundle, 'inputShape' | 'layers'>, input: ArrayLike<number>) {
  let shape = bundle.inputShape;
  let x: Float64Array = Float64Array.from(input);
  const activations: Float64Array[] = [];
  bundle.layers.forEach((layer, i) => {
    x = applyLayer(layer, x, shape);
    shape = outputShape(layer, shape, i);
    activations.push(x);
  });
  return activations;
}

/** Raw network outputs (before the output head) for one molecule's feature vector. */
export function referenceForward(
  bundle: Pick<ModelBundle, 'inputShape' | 'layers'>,
  input: ArrayLike<number>,
): Float64Array {
  const activations = forwardWithActivations(bundle, input);
  return activations[activations.length - 1]!;
}
