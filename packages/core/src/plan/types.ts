import type { ConvGeometry } from '../bundle/shapes.ts';

export const PLAN_VERSION = 3;

/** SEAL CKKS parameters; every set the planner emits is 128-bit secure (HomomorphicEncryption.org tc128). */
export interface CkksParameters {
  polyModulusDegree: number;
  /** [q0, q1, P]: q0 holds results, q1 is dropped by the one rescale, P is the special key-switching prime. */
  coeffModulusBits: number[];
  securityLevel: 'tc128';
}

/**
 * Where the logical vector of a boundary lives inside one period of the slot vector. Slot s of a ciphertext holds
 * position ⌊s/B⌋ mod period of molecule s mod B (interleaved packing: a rotation by B·k moves every molecule's
 * vector by k at once, and every period-p vector is also period-P for any P that p divides).
 */
export type VectorLayout =
  | { kind: 'contiguous'; length: number; period: number }
  /** Channel c's `perChannel` values start at c·channelStride (conv outputs of an im2col layer). */
  | { kind: 'channel-strided'; length: number; period: number; channels: number; perChannel: number; channelStride: number } // prettier-ignore
  /** The client expands a C×H×W input into patches: kernel offset k, output position p at k·patchStride + p. */
  | { kind: 'im2col'; length: number; period: number; geometry: ConvGeometry; patchStride: number };

export interface LinearOpPlan {
  kind: 'linear';
  stage: number;
  sourceLayers: number[];
  /** 'bsgs-hybrid': extended diagonals (dense); 'im2col-diagonals': conv on client-made patches; 'sparse-diagonals': conv as a sparse matrix. */ // prettier-ignore
  method: 'bsgs-hybrid' | 'im2col-diagonals' | 'sparse-diagonals';
  /** D = max(input period, output period): the diagonal length. */
  inputPeriod: number;
  /** Output period (power of two ≥ rows); the result is replicated with this period. */
  outputPeriod: number;
  /** Indices i of the non-zero extended diagonals d_i[j] = W[j mod outputPeriod][(j + i) mod D]; zeros skipped. */
  diagonals: number[];
  /** n1: diagonal i = g·n1 + b is computed as rot_{g·n1}(rot_{-g·n1}(d_i) ⊙ rot_b(x)). */
  babyStep: number;
  /** 'sequential': rot_b = rot_1(rot_{b-1}) (one key); 'direct': one key per b. */
  babyRotation: 'sequential' | 'direct';
  /** 'horner': Σ_g rot_{g·n1}(u_g) = u_0 + rot_{n1}(u_1 + rot_{n1}(…)) (one key); 'direct': one key per g. */
  giantRotation: 'horner' | 'direct';
  babySteps: number[];
  giantSteps: number[];
  /** Log fold of the hybrid method: add rot_{outputPeriod·2^t} for t < log2(D / outputPeriod). */
  foldSteps: number[];
  /** Diagonals are encoded at 2^weightScaleBits at the partition's top level, pre-rotated. */
  weightScaleBits: number;
  /** Rescale after all rotations: key switching adds ~2^18 of noise, negligible against the product scale. */
  rescale: boolean;
  rotations: number;
  multiplyPlain: number;
  outputLayout: VectorLayout;
}

export interface SquareOpPlan {
  kind: 'square';
  stage: number;
  sourceLayers: number[];
  /**
   * Relinearized before anything is added: a size-3 square (c0², 2·c0·c1, c1²) is public algebra (c0² =
   * (2·c0·c1)² / 4·c1², per prime and NTT slot), so a mask on its first component can be stripped by anyone.
   */
  relinearize: boolean;
  /** Rescaled by q1 after the square (square-at-top chains like [60, 60, 60]); otherwise returned unrescaled. */
  rescale: boolean;
}

export type OpPlan = LinearOpPlan | SquareOpPlan;

export interface ClientAffine {
  scale: number[];
  shift: number[];
}

export interface PartitionPlan {
  index: number;
  input: {
    layout: VectorLayout;
    /** The client encodes this partition's input at 2^scaleBits at the top level (fresh, seeded, symmetric). */
    scaleBits: number;
    /** Element-wise map the client applies to the logical vector before laying it out (an unfoldable affine). */
    clientAffine?: ClientAffine;
    /**
     * The server keeps only the real part of the input (ct + conj(ct), weights halved; one key switch with the
     * conjugation key). On the final partition: a client that smuggles i·y into its input would otherwise read
     * the last layer's W·y in the imaginary half of its prediction.
     */
    realPart?: boolean;
    /** Largest |value| seen on sample inputs (before margin), for the record. */
    bound: number;
  };
  ops: OpPlan[];
  output: {
    layout: VectorLayout;
    scaleBits: number;
    ciphertextSize: number;
    bound: number;
    /**
     * Blinded refresh (intermediate partitions only): the server adds a fresh uniform mask r ∈ [−maskRange,
     * maskRange] to every slot before returning the result and removes it from the refreshed input of the next
     * partition. maskRange = 2^maskBits · bound, so the client's view of a value |z| ≤ bound is within statistical
     * distance |z − z'| / (2·maskRange) ≤ 2^−maskBits of its view of any other such z'. The output scale leaves room
     * for bound·margin + maskRange below q/2 (decryption headroom).
     */
    maskBits?: number;
    maskRange?: number;
    /**
     * Half-width of the fresh uniform values the server puts in the imaginary half of every slot, inside a fresh
     * public-key encryption (which also re-randomizes the result). The client never needs the imaginary half.
     */
    imaginaryRange: number;
    /**
     * Final partition: half-width F of fresh uniform noise added to the real half of every slot, so the
     * weight-dependent CKKS noise e of the prediction is hidden to statistical distance |e| / 2F per value. It
     * costs up to F of precision.
     */
    floodRange?: number;
  };
  /** Galois steps (slot units, left rotations) this partition uses. */
  galoisSteps: number[];
  rotations: number;
  multiplyPlain: number;
}

export interface EvaluationPlan {
  planVersion: typeof PLAN_VERSION;
  model: { name: string; inputLength: number; outputCount: number };
  parameters: CkksParameters;
  slotCount: number;
  /** B: molecules per ciphertext (a single molecule is replicated into all B molecule lanes). */
  moleculesPerCiphertext: number;
  /**
   * Physical lanes (slotCount / period) when some are reserved: lanes 0..lanes − B − 1 carry no molecule. The
   * lanes holding SEAL's first slots collect 10–35× the key-switching noise of the others (measured); a wide
   * plan leaves them empty. Absent: every lane holds a molecule (lanes = B).
   */
  lanes?: number;
  /** Union of every partition's steps: the only Galois keys the client generates. */
  galoisSteps: number[];
  /** Squares are relinearized on the server (see SquareOpPlan.relinearize): the client uploads these keys too. */
  relinearizationKeys: boolean;
  partitions: PartitionPlan[];
  output: { layout: VectorLayout; count: number; clientAffine?: ClientAffine };
  /** Model privacy of the intermediate results (see PartitionPlan.output.maskBits; absent: no blinding). */
  blinding?: BlindingSummary;
  /** Galois + relinearization keys + the public key the server re-randomizes results with. */
  estimates: { rotations: number; multiplyPlain: number; serverMs: number; evaluationKeyBytes: number };
}

/** What a client can learn from the intermediate results it decrypts, for values within the sampled bounds. */
export interface BlindingSummary {
  /** Smallest maskBits over the intermediate partitions. */
  maskBits: number;
  /** Statistical distance bound per masked value: 2^−maskBits. */
  leakagePerValue: number;
  /** Masked logical values a client decrypts per molecule per query (every intermediate output). */
  maskedValuesPerMolecule: number;
  /** Union bound per molecule per query: Σ over masked values of 2^−maskBits. */
  leakagePerMolecule: number;
  /** The final partition's flooding noise half-width (PartitionPlan.output.floodRange). */
  floodRange?: number;
}
