import { featureLength, parseFeaturizerSpec } from '../featurizer-spec.ts';
import { InvalidBundleError } from './errors.ts';
import { layerShapes } from './shapes.ts';
import { BUNDLE_FORMAT_VERSION, headOutputCount } from './types.ts';
import type { Layer, ModelBundle, OutputHead } from './types.ts';

/**
 * Container: 'CVMB' | u32 format version | u32 metadata length | metadata JSON (UTF-8) | zero pad to 8 | weights.
 * All integers little-endian. Tensors in the metadata are `{ offset, length, dtype }` into the weights section.
 */
const MAGIC = [0x43, 0x56, 0x4d, 0x42]; // "CVMB"
const HEADER_BYTES = 12;

export type WeightDtype = 'f32' | 'f64';

interface TensorRef {
  offset: number;
  length: number;
  dtype: WeightDtype;
}

const TENSOR_FIELDS: Record<string, readonly string[]> = {
  dense: ['weight', 'bias'],
  conv2d: ['weight', 'bias'],
  batchnorm: ['mean', 'variance', 'gamma', 'beta'],
};

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Writes a bundle; float32 halves the file, float64 keeps weights bit-exact. */
export function serializeBundle(bundle: ModelBundle, dtype: WeightDtype = 'f64'): Uint8Array {
  validateBundle(bundle);
  const bytesPer = dtype === 'f32' ? 4 : 8;
  const tensors: Float64Array[] = [];
  let weightsBytes = 0;
  const layers = bundle.layers.map((layer) => {
    const fields = TENSOR_FIELDS[layer.kind] ?? [];
    const json: Record<string, unknown> = { ...layer };
    for (const field of fields) {
      const values = (layer as unknown as Record<string, Float64Array>)[field]!;
      json[field] = { offset: weightsBytes, length: values.length, dtype } satisfies TensorRef;
      tensors.push(values);
      weightsBytes = align8(weightsBytes + values.length * bytesPer);
    }
    return json;
  });
  const metadata = new TextEncoder().encode(JSON.stringify({ ...bundle, layers }));
  const weightsStart = align8(HEADER_BYTES + metadata.length);
  const out = new Uint8Array(weightsStart + weightsBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, BUNDLE_FORMAT_VERSION, true);
  view.setUint32(8, metadata.length, true);
  out.set(metadata, HEADER_BYTES);
  let offset = weightsStart;
  for (const values of tensors) {
    for (let i = 0; i < values.length; i++) {
      if (dtype === 'f32') view.setFloat32(offset + 4 * i, values[i]!, true);
      else view.setFloat64(offset + 8 * i, values[i]!, true);
    }
    offset = align8(offset + values.length * bytesPer);
  }
  return out;
}

/** Reads and validates a bundle from untrusted bytes. */
export function parseBundle(bytes: Uint8Array): ModelBundle {
  const fail = (message: string): never => {
    throw new InvalidBundleError(message);
  };
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a ChemVeil model bundle');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== BUNDLE_FORMAT_VERSION) fail(`unsupported bundle version ${version} (reads ${BUNDLE_FORMAT_VERSION})`);
  const metadataLength = view.getUint32(8, true);
  if (HEADER_BYTES + metadataLength > bytes.length) fail('truncated metadata');
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + metadataLength)));
  } catch (error) {
    return fail(`metadata is not JSON: ${(error as Error).message}`);
  }
  const weightsStart = align8(HEADER_BYTES + metadataLength);
  const readTensor = (ref: unknown, where: string): Float64Array => {
    const t = ref as Partial<TensorRef> | null;
    if (!t || !Number.isInteger(t.offset) || !Number.isInteger(t.length) || (t.dtype !== 'f32' && t.dtype !== 'f64'))
      fail(`${where}: bad tensor reference`);
    const bytesPer = t!.dtype === 'f32' ? 4 : 8;
    const start = weightsStart + t!.offset!;
    if (t!.offset! < 0 || t!.length! < 0 || start + t!.length! * bytesPer > bytes.length)
      fail(`${where}: out of range`);
    const out = new Float64Array(t!.length!);
    for (let i = 0; i < out.length; i++)
      out[i] = bytesPer === 4 ? view.getFloat32(start + 4 * i, true) : view.getFloat64(start + 8 * i, true);
    if (!out.every(Number.isFinite)) fail(`${where}: non-finite weight`);
    return out;
  };
  if (!Array.isArray(metadata.layers)) fail('layers must be a list');
  const layers = (metadata.layers as Record<string, unknown>[]).map((raw, i) => {
    const fields = TENSOR_FIELDS[String(raw?.kind)] ?? [];
    const layer: Record<string, unknown> = { ...raw };
    for (const field of fields) layer[field] = readTensor(raw[field], `layer ${i} ${field}`);
    return layer as unknown as Layer;
  });
  const bundle = { ...metadata, layers } as unknown as ModelBundle;
  validateBundle(bundle);
  return bundle;
}

const KNOWN_LAYERS = new Set(['dense', 'conv2d', 'batchnorm', 'square', 'poly2', 'flatten', 'reshape']);

function validateHead(head: OutputHead | undefined, outputs: number): void {
  if (!head || typeof head !== 'object') throw new InvalidBundleError('head is missing');
  if (!['regression', 'binary', 'multiclass'].includes(head.kind))
    throw new InvalidBundleError(`unknown head kind "${String(head.kind)}"`);
  if (head.kind === 'regression' && !head.targets.every((t) => Number.isFinite(t.mean) && t.std > 0))
    throw new InvalidBundleError('regression targets need a finite mean and a positive std');
  if (head.kind === 'multiclass' && head.classes.length < 2)
    throw new InvalidBundleError('multiclass needs 2+ classes');
  if (headOutputCount(head) !== outputs)
    throw new InvalidBundleError(`head expects ${headOutputCount(head)} outputs, network produces ${outputs}`);
}

/** Checks structure, shapes and the head; throws InvalidBundleError with the first fault found. */
export function validateBundle(bundle: ModelBundle): void {
  if (bundle.formatVersion !== BUNDLE_FORMAT_VERSION)
    throw new InvalidBundleError(`unsupported bundle version ${String(bundle.formatVersion)}`);
  if (typeof bundle.name !== 'string' || bundle.name.length === 0) throw new InvalidBundleError('name is missing');
  let spec;
  try {
    spec = parseFeaturizerSpec(bundle.featurizer);
  } catch (error) {
    throw new InvalidBundleError(`featurizer: ${(error as Error).message}`);
  }
  if (bundle.inputLength !== featureLength(spec))
    throw new InvalidBundleError(`inputLength ${bundle.inputLength} != featureLength(spec) ${featureLength(spec)}`);
  if (!Array.isArray(bundle.inputShape) || bundle.inputShape.reduce((a, b) => a * b, 1) !== bundle.inputLength)
    throw new InvalidBundleError(
      `inputShape [${String(bundle.inputShape)}] does not hold ${bundle.inputLength} values`,
    );
  if (!Array.isArray(bundle.layers) || bundle.layers.length === 0) throw new InvalidBundleError('no layers');
  bundle.layers.forEach((layer, i) => {
    if (!KNOWN_LAYERS.has(layer?.kind))
      throw new InvalidBundleError(`layer ${i}: unknown kind "${String(layer?.kind)}"`);
    if (layer.kind === 'poly2' && ![layer.a, layer.b, layer.c].every(Number.isFinite))
      throw new InvalidBundleError(`layer ${i}: poly2 coefficients must be finite`);
  });
  const shapes = layerShapes(bundle);
  const outputs = shapes[shapes.length - 1]!.reduce((a, b) => a * b, 1);
  validateHead(bundle.head, outputs);
  if (typeof bundle.metrics !== 'object' || bundle.metrics === null) throw new InvalidBundleError('metrics missing');
  if (bundle.activationRanges !== undefined) {
    const ranges = bundle.activationRanges;
    if (!Array.isArray(ranges) || ranges.length !== bundle.layers.length)
      throw new InvalidBundleError('activationRanges needs one {min, max} per layer');
    if (!ranges.every((r) => Number.isFinite(r?.min) && Number.isFinite(r?.max) && r.min <= r.max))
      throw new InvalidBundleError('activationRanges must be finite with min ≤ max');
  }
  if (bundle.card !== undefined) {
    const card = bundle.card;
    if (typeof card !== 'object' || card === null) throw new InvalidBundleError('card must be an object');
    if (typeof card.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(card.id))
      throw new InvalidBundleError('card.id must be lowercase letters, digits and dashes');
    if (card.task !== 'regression' && card.task !== 'classification')
      throw new InvalidBundleError('card.task must be regression or classification');
    if (!Array.isArray(card.reading) || !Array.isArray(card.limitations))
      throw new InvalidBundleError('card.reading and card.limitations must be lists');
  }
  if (typeof bundle.provenance?.createdAt !== 'string') throw new InvalidBundleError('provenance.createdAt missing');
}
