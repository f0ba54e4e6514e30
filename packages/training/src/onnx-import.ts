import onnxProto from 'onnx-proto';
import {
  BUNDLE_FORMAT_VERSION,
  featureLength,
  parseFeaturizerSpec,
  validateBundle,
  type FeaturizerSpec,
  type Layer,
  type ModelBundle,
  type OutputHead,
} from '@chemveil/core';

const { onnx } = onnxProto;
type Node = InstanceType<typeof onnx.NodeProto>;
type Tensor = InstanceType<typeof onnx.TensorProto>;

/** What an ONNX file cannot say and the owner gives on the command line or in a sidecar JSON. */
export interface OnnxSidecar {
  name: string;
  description?: string;
  featurizer: unknown;
  head: OutputHead;
  metrics?: Record<string, number>;
}

export class OnnxImportError extends Error {
  override name = 'OnnxImportError';
}

/** Operators that become bundle layers; the shape-arithmetic ops are accepted only inside a Reshape's shape input. */
const LAYER_OPS = new Set(['Gemm', 'MatMul', 'Add', 'Conv', 'Mul', 'Pow', 'BatchNormalization', 'Flatten', 'Reshape']);
const SHAPE_OPS = new Set(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Constant', 'Squeeze', 'Slice', 'Cast']);

const toNumber = (x: unknown): number =>
  typeof x === 'number'
    ? x
    : x && typeof x === 'object' && 'low' in x
      ? Number((x as { toString(): string }).toString())
      : Number(x);

function tensorValues(tensor: Tensor): Float64Array {
  const count = (tensor.dims ?? []).reduce((a: number, d) => a * toNumber(d), 1);
  const raw = tensor.rawData && tensor.rawData.length > 0 ? tensor.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const out = new Float64Array(count);
  switch (tensor.dataType) {
    case onnx.TensorProto.DataType.FLOAT:
      for (let i = 0; i < count; i++) out[i] = view ? view.getFloat32(4 * i, true) : tensor.floatData![i];
      break;
    case onnx.TensorProto.DataType.DOUBLE:
      for (let i = 0; i < count; i++) out[i] = view ? view.getFloat64(8 * i, true) : tensor.doubleData![i];
      break;
    case onnx.TensorProto.DataType.INT64:
      for (let i = 0; i < count; i++)
        out[i] = view ? Number(view.getBigInt64(8 * i, true)) : toNumber(tensor.int64Data![i]);
      break;
    case onnx.TensorProto.DataType.INT32:
      for (let i = 0; i < count; i++) out[i] = view ? view.getInt32(4 * i, true) : tensor.int32Data![i];
      break;
    default:
      throw new OnnxImportError(`tensor "${tensor.name}" has unsupported data type ${tensor.dataType}`);
  }
  return out;
}

const dimsOf = (tensor: Tensor): number[] => (tensor.dims ?? []).map(toNumber);

function attribute(node: Node, name: string): { i?: number; f?: number; ints?: number[]; t?: Tensor } | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return {
    i: a.i === undefined || a.i === null ? undefined : toNumber(a.i),
    f: a.f ?? undefined,
    ints: a.ints?.map(toNumber),
    t: (a.t as Tensor | null) ?? undefined,
  };
}

/**
 * Converts an ONNX graph exported from PyTorch into a bundle: a single path from the input through Gemm / MatMul
 * (+ Add) / Conv / BatchNormalization / Mul(x, x) / Pow(x, 2) / Flatten / Reshape. `.view()` exports its target shape
 * as a Shape → Gather → Unsqueeze → Concat chain; that chain is evaluated as "keep the batch, flatten the rest".
 * Anything else is refused with the list of unsupported operators and where they occur.
 */
export function importOnnx(bytes: Uint8Array, sidecar: OnnxSidecar): ModelBundle {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxImportError(`not an ONNX model: ${(error as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw new OnnxImportError('the ONNX model has no graph');
  const nodes = (graph.node ?? []) as Node[];
  const constants = new Map<string, Tensor>();
  for (const init of (graph.initializer ?? []) as Tensor[]) constants.set(init.name ?? '', init);
  for (const node of nodes) {
    if (node.opType === 'Constant') {
      const value = attribute(node, 'value')?.t;
      if (value) constants.set(node.output![0], value);
    }
  }

  const unsupported = nodes
    .map((node, index) => ({ node, index }))
    .filter(({ node }) => !LAYER_OPS.has(node.opType ?? '') && !SHAPE_OPS.has(node.opType ?? ''));
  if (unsupported.length > 0) {
    const list = unsupported.map(
      ({ node, index }) => `${node.opType} (node ${index} "${node.name || node.output?.[0]}")`,
    );
    throw new OnnxImportError(
      `unsupported ONNX operators: ${list.join(', ')}. Supported: ${[...LAYER_OPS].join(', ')} ` +
        '(Mul only as x·x, Pow only as x², shape arithmetic only inside Reshape); use square or degree-2 polynomial activations.',
    );
  }

  const inputs = (graph.input ?? []).filter((i) => !constants.has(i.name ?? ''));
  if (inputs.length !== 1) throw new OnnxImportError(`expected one graph input, found ${inputs.length}`);
  const inputDims = (inputs[0].type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue == null ? -1 : toNumber(d.dimValue),
  );
  const inputShape = inputDims.slice(1);
  if (inputShape.length === 0 || inputShape.some((d) => !(d > 0))) {
    throw new OnnxImportError(
      `input "${inputs[0].name}" needs a fixed shape after the batch dimension, got [${inputDims}]`,
    );
  }

  const layers: Layer[] = [];
  const consumers = (name: string) => nodes.filter((n) => n.input?.includes(name) && !SHAPE_OPS.has(n.opType ?? ''));
  const constant = (name: string, where: string): Tensor => {
    const t = constants.get(name);
    if (!t)
      throw new OnnxImportError(`${where}: input "${name}" must be a constant (weights are baked into the model)`);
    return t;
  };
  let shape = [...inputShape];
  let current = inputs[0].name!;
  const outputName = graph.output?.[0]?.name;
  for (let steps = 0; current !== outputName; steps++) {
    if (steps > nodes.length) throw new OnnxImportError('the graph is not a single path from input to output');
    const next = consumers(current);
    if (next.length !== 1) {
      throw new OnnxImportError(`tensor "${current}" feeds ${next.length} operators; only a single path is supported`);
    }
    const node = next[0];
    const where = `${node.opType} "${node.name || node.output?.[0]}"`;
    const [a, b, c] = node.input ?? [];
    const features = shape.reduce((x, y) => x * y, 1);
    switch (node.opType) {
      case 'Gemm': {
        const W = constant(b, where);
        const [rows, cols] = dimsOf(W);
        const transB = attribute(node, 'transB')?.i === 1;
        const alpha = attribute(node, 'alpha')?.f ?? 1;
        const beta = attribute(node, 'beta')?.f ?? 1;
        if (attribute(node, 'transA')?.i === 1) throw new OnnxImportError(`${where}: transA is not supported`);
        const [outFeatures, inFeatures] = transB ? [rows, cols] : [cols, rows];
        if (inFeatures !== features)
          throw new OnnxImportError(`${where}: expects ${inFeatures} inputs, gets ${features}`);
        const w = tensorValues(W);
        const weight = new Float64Array(outFeatures * inFeatures);
        for (let r = 0; r < outFeatures; r++)
          for (let k = 0; k < inFeatures; k++)
            weight[r * inFeatures + k] = alpha * (transB ? w[r * inFeatures + k] : w[k * outFeatures + r]);
        const bias = c ? tensorValues(constant(c, where)).map((x) => beta * x) : new Float64Array(outFeatures);
        if (bias.length !== outFeatures)
          throw new OnnxImportError(`${where}: bias must have ${outFeatures} values (no broadcasting)`);
        layers.push({ kind: 'dense', inFeatures, outFeatures, weight, bias });
        shape = [outFeatures];
        break;
      }
      case 'MatMul': {
        const W = constant(b, where);
        const [inFeatures, outFeatures] = dimsOf(W);
        if (inFeatures !== features)
          throw new OnnxImportError(`${where}: expects ${inFeatures} inputs, gets ${features}`);
        const w = tensorValues(W);
        const weight = new Float64Array(outFeatures * inFeatures);
        for (let r = 0; r < outFeatures; r++)
          for (let k = 0; k < inFeatures; k++) weight[r * inFeatures + k] = w[k * outFeatures + r];
        layers.push({ kind: 'dense', inFeatures, outFeatures, weight, bias: new Float64Array(outFeatures) });
        shape = [outFeatures];
        break;
      }
      case 'Add': {
        const other = a === current ? b : a;
        const last = layers.at(-1);
        const values = tensorValues(constant(other, where));
        if (last?.kind !== 'dense' || values.length !== last.outFeatures) {
          throw new OnnxImportError(`${where}: only a bias added right after MatMul/Gemm is supported`);
        }
        values.forEach((v, i) => (last.bias[i] += v));
        break;
      }
      case 'Conv': {
        const W = constant(b, where);
        const [outChannels, inChannels, kh, kw] = dimsOf(W);
        if ((attribute(node, 'group')?.i ?? 1) !== 1)
          throw new OnnxImportError(`${where}: grouped convolutions are not supported`);
        if ((attribute(node, 'dilations')?.ints ?? [1, 1]).some((d) => d !== 1))
          throw new OnnxImportError(`${where}: dilation is not supported`);
        const pads = attribute(node, 'pads')?.ints ?? [0, 0, 0, 0];
        if (pads[0] !== pads[2] || pads[1] !== pads[3])
          throw new OnnxImportError(`${where}: asymmetric padding is not supported`);
        if (shape.length !== 3 || shape[0] !== inChannels)
          throw new OnnxImportError(`${where}: expects ${inChannels}×H×W input, gets [${shape}]`);
        const stride = (attribute(node, 'strides')?.ints ?? [1, 1]) as [number, number];
        const bias = c ? tensorValues(constant(c, where)) : new Float64Array(outChannels);
        layers.push({ kind: 'conv2d', inChannels, outChannels, kernel: [kh, kw], stride: [stride[0], stride[1]], padding: [pads[0], pads[1]], weight: tensorValues(W), bias }); // prettier-ignore
        shape = [outChannels, Math.floor((shape[1] + 2 * pads[0] - kh) / stride[0]) + 1, Math.floor((shape[2] + 2 * pads[1] - kw) / stride[1]) + 1]; // prettier-ignore
        break;
      }
      case 'BatchNormalization': {
        const [gamma, beta, mean, variance] = (node.input ?? []).slice(1).map((n) => tensorValues(constant(n, where)));
        layers.push({ kind: 'batchnorm', features: gamma.length, mean, variance, gamma, beta, epsilon: attribute(node, 'epsilon')?.f ?? 1e-5 }); // prettier-ignore
        break;
      }
      case 'Mul':
        if (a !== current || b !== current)
          throw new OnnxImportError(`${where}: Mul is supported only as x·x (a square activation)`);
        layers.push({ kind: 'square' });
        break;
      case 'Pow': {
        const exponent = tensorValues(constant(b, where));
        if (exponent.length !== 1 || exponent[0] !== 2)
          throw new OnnxImportError(`${where}: Pow is supported only with exponent 2`);
        layers.push({ kind: 'square' });
        break;
      }
      case 'Flatten':
        if ((attribute(node, 'axis')?.i ?? 1) !== 1)
          throw new OnnxImportError(`${where}: Flatten must keep the batch axis (axis=1)`);
        if (shape.length > 1) layers.push({ kind: 'flatten' });
        shape = [features];
        break;
      case 'Reshape': {
        // A constant target shape is used as given (batch first); a computed one (.view(x.size(0), -1)) flattens.
        const target = constants.has(b) ? Array.from(tensorValues(constants.get(b)!)).slice(1) : [-1];
        const resolved = target.includes(-1) ? target.map((d) => (d === -1 ? features / target.filter((x) => x !== -1).reduce((x, y) => x * y, 1) : d)) : target; // prettier-ignore
        if (resolved.reduce((x, y) => x * y, 1) !== features)
          throw new OnnxImportError(`${where}: cannot reshape ${features} values to [${target}]`);
        layers.push(resolved.length === 1 ? { kind: 'flatten' } : { kind: 'reshape', shape: resolved });
        shape = resolved;
        break;
      }
      default:
        throw new OnnxImportError(`${where}: not expected on the data path`);
    }
    current = node.output![0];
  }

  let featurizer: FeaturizerSpec;
  try {
    featurizer = parseFeaturizerSpec(sidecar.featurizer);
  } catch (error) {
    throw new OnnxImportError(`featurizer spec: ${(error as Error).message}`);
  }
  const inputLength = inputShape.reduce((x, y) => x * y, 1);
  if (featureLength(featurizer) !== inputLength) {
    throw new OnnxImportError(
      `the featurizer spec gives ${featureLength(featurizer)} features but the model reads ${inputLength}`,
    );
  }
  const bundle: ModelBundle = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    name: sidecar.name,
    ...(sidecar.description ? { description: sidecar.description } : {}),
    featurizer,
    inputLength,
    inputShape,
    layers,
    head: sidecar.head,
    metrics: sidecar.metrics ?? {},
    provenance: {
      createdAt: new Date().toISOString(),
      producer: `chemveil import (ONNX from ${model.producerName || 'unknown'} ${model.producerVersion || ''})`.trim(),
    },
  };
  validateBundle(bundle);
  return bundle;
}
