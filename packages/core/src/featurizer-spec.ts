/**
 * The featurizer spec: a versioned, serializable description of how a molecule becomes a model input vector.
 * Model bundles carry it, so training (Node) and inference (browser worker) compute the same features.
 */

/** How a parsed molecule is standardized before featurization (see docs/featurizer.md). */
export type Standardization =
  /** Keep the largest fragment that contains carbon (salts and solvents dropped); charges, isotopes, stereo kept. */
  | 'largest-organic-fragment'
  /** Use the molecule exactly as parsed. */
  | 'none';

/** Normalized RDKit descriptors appended after the fingerprint bits: z = clamp((x − mean) / std, ±clip). */
export interface DescriptorBlock {
  /** Names as in RDKit's `get_descriptors()` JSON (e.g. "CrippenClogP", "tpsa"). */
  names: string[];
  mean: number[];
  std: number[];
  /** Keeps encrypted activations in range: standardized values are clamped to [−clip, clip]. */
  clip: number;
}

export interface MorganFeaturizerSpec {
  version: 1;
  kind: 'morgan';
  /** Morgan radius (2 = ECFP4-like). */
  radius: number;
  /** Fingerprint length in bits. */
  nBits: number;
  /** 'flat' for dense networks; '32x32' (or any 'HxW') when a convolution reads the bits as an image, row-major. */
  layout: 'flat' | `${number}x${number}`;
  standardize: Standardization;
  descriptors?: DescriptorBlock;
}

export type FeaturizerSpec = MorganFeaturizerSpec;

export const DEFAULT_FEATURIZER_SPEC: FeaturizerSpec = {
  version: 1,
  kind: 'morgan',
  radius: 2,
  nBits: 1024,
  layout: 'flat',
  standardize: 'largest-organic-fragment',
};

export class InvalidFeaturizerSpecError extends Error {
  override name = 'InvalidFeaturizerSpecError';
  readonly code = 'INVALID_FEATURIZER_SPEC';
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Number of meaningful features: fingerprint bits then descriptors. */
export function rawFeatureCount(spec: FeaturizerSpec): number {
  return spec.nBits + (spec.descriptors?.names.length ?? 0);
}

/**
 * Model input length: the raw features zero-padded to a power of two, so B = slots / length molecules pack into
 * one ciphertext and every rotation step of the diagonal method stays a power-of-two multiple of B.
 */
export function featureLength(spec: FeaturizerSpec): number {
  return nextPowerOfTwo(rawFeatureCount(spec));
}

const isPositiveInteger = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;

/** Validates untrusted JSON (a bundle, a `--spec` flag) into a spec, with a specific message for each fault. */
export function parseFeaturizerSpec(input: unknown): FeaturizerSpec {
  const fail = (message: string): never => {
    throw new InvalidFeaturizerSpecError(message);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('spec must be a JSON object');
  const raw = { ...DEFAULT_FEATURIZER_SPEC, ...(input as Record<string, unknown>) } as Record<string, unknown>;
  const known = new Set(['version', 'kind', 'radius', 'nBits', 'layout', 'standardize', 'descriptors']);
  for (const key of Object.keys(raw)) if (!known.has(key)) fail(`unknown spec field "${key}"`);
  if (raw.version !== 1) fail(`unsupported spec version ${String(raw.version)} (this build reads version 1)`);
  if (raw.kind !== 'morgan') fail(`unsupported featurizer kind "${String(raw.kind)}" (supported: morgan)`);
  if (!isPositiveInteger(raw.radius) || raw.radius > 6) fail('radius must be an integer from 1 to 6');
  if (!isPositiveInteger(raw.nBits) || raw.nBits > 16384) fail('nBits must be an integer from 1 to 16384');
  if (raw.standardize !== 'largest-organic-fragment' && raw.standardize !== 'none') {
    fail('standardize must be "largest-organic-fragment" or "none"');
  }
  const layout = raw.layout;
  if (layout !== 'flat') {
    const match = typeof layout === 'string' ? /^(\d+)x(\d+)$/.exec(layout) : null;
    if (!match) fail('layout must be "flat" or "HxW", e.g. "32x32"');
    else if (Number(match[1]) * Number(match[2]) !== raw.nBits)
      fail(`layout ${layout} does not hold ${raw.nBits} bits`);
  }
  let descriptors: DescriptorBlock | undefined;
  if (raw.descriptors !== undefined) {
    const d = raw.descriptors as Partial<DescriptorBlock>;
    const n = Array.isArray(d.names) ? d.names.length : -1;
    if (n <= 0 || !d.names!.every((x) => typeof x === 'string')) fail('descriptors.names must be a non-empty list');
    for (const field of ['mean', 'std'] as const) {
      const v = d[field];
      if (!Array.isArray(v) || v.length !== n || !v.every(Number.isFinite))
        fail(`descriptors.${field} needs ${n} numbers`);
    }
    if (d.std!.some((s) => s <= 0)) fail('descriptors.std must be positive');
    if (typeof d.clip !== 'number' || !(d.clip > 0)) fail('descriptors.clip must be a positive number');
    descriptors = { names: [...d.names!], mean: [...d.mean!], std: [...d.std!], clip: d.clip! };
  }
  return {
    version: 1,
    kind: 'morgan',
    radius: raw.radius as number,
    nBits: raw.nBits as number,
    layout: layout as MorganFeaturizerSpec['layout'],
    standardize: raw.standardize as Standardization,
    ...(descriptors ? { descriptors } : {}),
  };
}
