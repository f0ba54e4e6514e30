import type { ModelBundle } from '../bundle/types.ts';
import { seededRandom } from '../bundle/random.ts';
import { diagonalIndices, scheduleRotations, slotMatrix } from './diagonals.ts';
import { forwardStages, lowerBundle, UnsupportedNetworkError } from './lower.ts';
import type { AffineStage, LinearStage, Stage } from './lower.ts';
import { nextPowerOfTwo } from './layout.ts';
import {
  assertTc128,
  keySwitchKeyBytes,
  PARAMETER_CANDIDATES,
  publicKeyBytes,
  primitiveCostMs,
  remainingBits,
  rescaleBits,
} from './parameters.ts';
import { PLAN_VERSION } from './types.ts';
import type {
  BlindingSummary,
  CkksParameters,
  ClientAffine,
  EvaluationPlan,
  LinearOpPlan,
  OpPlan,
  PartitionPlan,
  VectorLayout,
} from './types.ts';

export class PlanningError extends Error {
  override name = 'PlanningError';
  readonly code = 'PLANNING_FAILED';
}

export interface PlanOptions {
  /** CKKS parameters; default: the first candidate the network fits with enough precision headroom. */
  parameters?: CkksParameters;
  /** Feature vectors that bound the activations (default: 16 deterministic uniform [0, 1] vectors). */
  samples?: ArrayLike<number>[];
  /** Safety factor on the largest activation seen on the samples (default 4). */
  boundMargin?: number;
  /** 'auto' uses client-side im2col for a conv that starts a partition when it does not lower B. */
  convolution?: 'auto' | 'im2col' | 'sparse-diagonals';
  /** Fewest scale bits an activation may keep before the square (default 20: ~2^-20 rescale noise). */
  minimumScaleBits?: number;
  /**
   * Blinded refresh: mask range of every intermediate result as 2^maskBits × its sampled bound (default
   * DEFAULT_MASK_BITS; 0 turns blinding off). Each mask bit costs half a scale bit of the activation before a square.
   */
  maskBits?: number;
  /** Lanes left empty (default `reservedLanes(lanes)`): fewer molecules per ciphertext, less rotation noise. */
  reservedLanes?: number;
}

/**
 * planModel's default mask bits: statistical distance ≤ 2^−12 per hidden value (table in docs/security.md);
 * `selectPlan` (what the server and training use) measures MASK_BITS_LADDER from 32 bits down instead.
 */
export const DEFAULT_MASK_BITS = 12;

/**
 * Mask settings `selectPlan` tries, strongest first. The last rung, 0, serves a model unblinded when no mask keeps
 * its measured error within the target (recorded: the plan then has no `blinding`; the server logs it).
 */
export const MASK_BITS_LADDER: readonly number[] = [32, 24, 16, 12, 8, 4, 0];

/**
 * In a square-at-top partition the input gets ⌊S/2⌋ + 3 scale bits and the weights the rest: fresh encryption
 * noise dominates, so the input takes the larger share (measured with bench/blinding.ts: offsets 2, 4, 5, 6, 8, 12
 * were worse).
 */
const INPUT_SCALE_EXTRA_BITS = 3;

/**
 * Lanes left empty. Rotation (key-switching) noise is far from uniform over the slots: SEAL's slots 0 and 1 (in
 * lanes 0 and 1, which rotations by whole lanes never leave) get 10–35× and 4–15× the median slot's, so those two
 * molecules carried the largest errors of every ciphertext. With 16 or more lanes, leaving them empty costs at
 * most 1/8 of the throughput for a ~6× smaller worst-case error; narrower plans keep every lane.
 */
export function reservedLanes(lanes: number): number {
  return lanes >= 16 ? 2 : 0;
}

/** Smallest sampled bound a mask range is scaled from (an all-zero activation still gets a real mask). */
const MINIMUM_MASKED_BOUND = 1e-3;

/**
 * Final partition of a private plan: the real half of every slot of the prediction gets fresh uniform noise on
 * [−F, F], F = 2^−13 ≈ 1.2e-4 (raw network output units), to hide its weight-dependent CKKS noise; the error
 * budget (1e-3) keeps ≥ 5× room for it.
 */
export const FINAL_FLOOD_RANGE = 2 ** -13;
/**
 * Private plans take the real part of every partition input, so the imaginary half of every result holds only
 * CKKS noise: up to ~3e-5 on esol's first square (2·z·Im(noise) of the linear map's output), far less elsewhere
 * (measured in apps/server/test/privacy-bounds.test.ts). Fresh values 2^24 × the output bound wide (or as wide as
 * the partition's mask, if narrower) hide it to a statistical distance of ~2^−45 per value. Not wider: decoding
 * works in doubles over the whole complex value, and 2^40 × the bound cost the prediction ~2.4e-4.
 */
const IMAGINARY_RANGE_FACTOR = 2 ** 24;
/**
 * The final partition's input scale when the chain has room: its fresh-encryption noise, which the client knows
 * and the last layer multiplies, is then ~2^−50 against the flood instead of ~2^−30.
 */
const FINAL_INPUT_SCALE_BITS = 60;
const FINAL_MIN_WEIGHT_SCALE_BITS = 40;

interface Draft {
  stages: number[];
  clientAffine?: AffineStage;
}

export function defaultSamples(length: number, count = 16): Float64Array[] {
  const random = seededRandom(0x5eed);
  return Array.from({ length: count }, () => Float64Array.from({ length }, () => random()));
}

/** Greedy partitions: a linear map opens one; a square joins the linear before it; an affine forces a boundary. */
function draftPartitions(stages: Stage[]): { drafts: Draft[]; outputAffine?: AffineStage } {
  const drafts: Draft[] = [];
  let open: Draft | undefined;
  let pending: AffineStage | undefined;
  stages.forEach((stage, i) => {
    if (stage.kind === 'affine') {
      open = undefined;
      pending = pending
        ? { ...pending, scale: pending.scale.map((a, j) => a * stage.scale[j]!), shift: pending.shift.map((s, j) => stage.scale[j]! * s + stage.shift[j]!) } // prettier-ignore
        : stage;
      return;
    }
    const joinsOpen = stage.kind === 'square' && open && open.stages.length === 1 && stages[open.stages[0]!]!.kind === 'linear'; // prettier-ignore
    if (joinsOpen) {
      open!.stages.push(i);
      open = undefined;
      return;
    }
    open = { stages: [i], clientAffine: pending };
    pending = undefined;
    drafts.push(open);
    if (stage.kind === 'square') open = undefined;
  });
  return { drafts, outputAffine: pending };
}

const log2Ceil = (x: number): number => Math.max(0, Math.ceil(Math.log2(Math.max(x, 1e-300))));
const maxAbs = (vectors: Float64Array[]): number => vectors.reduce((m, v) => v.reduce((a, x) => Math.max(a, Math.abs(x)), m), 0); // prettier-ignore
const toAffine = (a?: AffineStage): ClientAffine | undefined => a && { scale: [...a.scale], shift: [...a.shift] };

function contiguous(length: number): VectorLayout {
  return { kind: 'contiguous', length, period: nextPowerOfTwo(length) };
}

function im2colLayout(stage: LinearStage): VectorLayout {
  const g = stage.conv!.geometry;
  const patchStride = nextPowerOfTwo(g.outHeight * g.outWidth);
  const kernelLength = g.inChannels * g.kernel[0] * g.kernel[1];
  return { kind: 'im2col', length: stage.inLength, period: nextPowerOfTwo(kernelLength) * patchStride, geometry: g, patchStride }; // prettier-ignore
}

/**
 * The pure planner: bundle → public evaluation plan (parameters, layout, per-layer method, scales, partitions,
 * rotation steps). No SEAL here; the same plan drives the server's evaluator and the client's refreshes.
 */
export function planModel(bundle: ModelBundle, options: PlanOptions = {}): EvaluationPlan {
  const stages = lowerBundle(bundle);
  const samples = (options.samples ?? defaultSamples(bundle.inputLength)).map((s) => Float64Array.from(s));
  const margin = options.boundMargin ?? 4;
  const minimumScaleBits = options.minimumScaleBits ?? 20;
  const maskBits = options.maskBits ?? DEFAULT_MASK_BITS;
  if (!Number.isInteger(maskBits) || maskBits < 0 || maskBits > 40) throw new PlanningError(`maskBits ${maskBits} is not an integer in 0..40`); // prettier-ignore
  const outputsPerStage = samples.map((s) => forwardStages(stages, s));
  const stageBound = (i: number): number => (i < 0 ? maxAbs(samples) : maxAbs(outputsPerStage.map((o) => o[i]!)));
  const { drafts, outputAffine } = draftPartitions(stages);
  if (drafts.length === 0) throw new PlanningError('the network has no linear map or square to evaluate');

  // Layouts first (they fix the periods and so B), then parameters, then per-partition scales and rotations.
  const convolution = options.convolution ?? 'auto';
  const inputLayouts: VectorLayout[] = drafts.map((draft) => {
    const first = stages[draft.stages[0]!]!;
    return contiguous(first.kind === 'linear' ? first.inLength : first.length);
  });
  const periodOf = (k: number, layout: VectorLayout): number => {
    const first = stages[drafts[k]!.stages[0]!]!;
    if (first.kind !== 'linear') return layout.period;
    return Math.max(layout.period, slotMatrix(first, layout).outputPeriod);
  };
  const widestPeriod = (): number => Math.max(...inputLayouts.map((layout, k) => periodOf(k, layout)));
  drafts.forEach((draft, k) => {
    const first = stages[draft.stages[0]!]!;
    if (first.kind !== 'linear' || !first.conv || convolution === 'sparse-diagonals' || draft.clientAffine) return;
    const candidate = im2colLayout(first);
    if (convolution === 'im2col' || periodOf(k, candidate) <= widestPeriod()) inputLayouts[k] = candidate;
  });
  const period = widestPeriod();

  const fits = (p: CkksParameters) => p.polyModulusDegree / 2 >= period && remainingBits(p) - 2 - 2 * log2Ceil(margin * Math.max(...stages.map((_, i) => stageBound(i)))) >= 2 * minimumScaleBits; // prettier-ignore
  if (!options.parameters) {
    // The first candidate that holds the period and, with its masks, the scale budget of every partition.
    let failure: unknown = new PlanningError(`no tc128 parameter set holds period ${period} with enough precision`);
    // With masks, square-at-top chains first: they keep the most precision per mask bit.
    const squaresAtTop = (p: CkksParameters) => (maskBits > 0 && rescaleBits(p) >= remainingBits(p) ? 0 : 1);
    const ordered = PARAMETER_CANDIDATES.filter(fits).sort((a, b) => squaresAtTop(a) - squaresAtTop(b));
    for (const candidate of ordered) {
      try {
        return planModel(bundle, { ...options, parameters: candidate });
      } catch (error) {
        if (!(error instanceof PlanningError)) throw error;
        failure = error;
      }
    }
    throw failure;
  }
  const parameters = options.parameters;
  assertTc128(parameters);
  if (parameters.coeffModulusBits.length < 3)
    throw new PlanningError('this planner needs a chain of data primes and a special prime (one rescale per partition)'); // prettier-ignore
  const slotCount = parameters.polyModulusDegree / 2;
  if (period > slotCount) throw new PlanningError(`period ${period} exceeds ${slotCount} slots`);
  const lanes = slotCount / period;
  const reserved = options.reservedLanes ?? reservedLanes(lanes);
  if (!Number.isInteger(reserved) || reserved < 0 || reserved >= lanes)
    throw new PlanningError(`reservedLanes ${reserved} is not an integer in 0..${lanes - 1}`);
  // q0: every data prime but the last (what remains after the one rescale); q1: the last, which the rescale divides by.
  const q0 = remainingBits(parameters);
  const q1 = rescaleBits(parameters);
  // Two ways to fit a square in [q0, q1]. A small q1 (e.g. [60, 30, 60]): rescale the linear result by q1, square
  // at q0 alone; (2^s'·z)² and any mask share q0's 58 bits, so each mask bit costs half a bit of s'. A wide q1
  // ([60, 60, 60]): square the unrescaled product at q0·q1, add the mask and rescale once after it; the mask then
  // shares q0 only with y at the reduced scale 2^(2S − q1), where S = s_in + s_w has ~117 − log2(mask) bits.
  const squareAtTop = q1 >= q0;
  const knownKeys = new Set<number>();
  const cost = primitiveCostMs(parameters);

  // Each partition gets the requested mask bits if its scales still hold minimumScaleBits, else the most that fit
  // (recorded in its output; selectPlan refuses a plan whose masks came out weaker than asked).
  const planPartition = (draft: Draft, index: number, partitionMaskBits: number): PartitionPlan => {
    const layout = inputLayouts[index]!;
    const inputBound = stageBound(draft.stages[0]! - 1);
    const affine = draft.clientAffine;
    const affinedBound = affine ? inputBound * Math.max(...affine.scale.map(Math.abs)) + Math.max(...affine.shift.map(Math.abs)) : inputBound; // prettier-ignore
    // Intermediate results are blinded; the final one is the client's prediction. The mask must fit next to the
    // planned (margin-inflated) bound under q/2: log2(2^L + R) replaces L in every headroom equation below.
    const outputBound = stageBound(draft.stages[draft.stages.length - 1]!);
    const final = index === drafts.length - 1;
    const maskRange = !final && partitionMaskBits > 0 ? 2 ** partitionMaskBits * Math.max(outputBound, MINIMUM_MASKED_BOUND) : 0; // prettier-ignore
    // Fresh values in the imaginary half of every slot (it holds only noise: inputs are projected to their real part).
    const imaginaryRange = partitionMaskBits > 0 ? Math.min(IMAGINARY_RANGE_FACTOR, 2 ** partitionMaskBits) * Math.max(outputBound, MINIMUM_MASKED_BOUND) : 0; // prettier-ignore
    const headroomBits = (boundBits: number): number => Math.log2(2 ** boundBits + maskRange + imaginaryRange);
    let scaleBits = squareAtTop ? Math.min(q1, 40) : q1;
    // A refreshed final input holds z + r (r: the previous partition's mask) until unmasked.
    const previousMask = index > 0 ? 2 ** partitionMaskBits * Math.max(inputBound, MINIMUM_MASKED_BOUND) : 0;
    const finalLinearOnly = final && draft.stages.length === 1 && stages[draft.stages[0]!]!.kind === 'linear';
    if (finalLinearOnly && index > 0 && maskBits > 0) {
      const room = Math.min(q0 + q1 - 3 - FINAL_MIN_WEIGHT_SCALE_BITS - headroomBits(log2Ceil(margin * outputBound)), q0 + q1 - 3 - log2Ceil(previousMask + margin * affinedBound)); // prettier-ignore
      scaleBits = Math.max(scaleBits, Math.min(FINAL_INPUT_SCALE_BITS, room));
    }
    const ops: OpPlan[] = [];
    let outputLayout = layout;
    let outputScaleBits = scaleBits;
    const ciphertextSize = 2; // squares are relinearized
    const steps = new Set<number>();
    draft.stages.forEach((stageIndex, position) => {
      const stage = stages[stageIndex]!;
      const last = position === draft.stages.length - 1;
      const bound = margin * stageBound(stageIndex);
      if (stage.kind === 'square') {
        if (ops.length === 0) {
          // A lone square at the top level: (2^s·x)² (+ mask) must stay below q0·q1.
          scaleBits = Math.min(scaleBits, Math.floor((q0 + q1 - 3 - headroomBits(2 * log2Ceil(margin * affinedBound))) / 2)); // prettier-ignore
          outputScaleBits = 2 * scaleBits;
        } else outputScaleBits = squareAtTop ? 2 * outputScaleBits - q1 : 2 * outputScaleBits;
        if (scaleBits < minimumScaleBits) throw new PlanningError(`square input keeps only ${scaleBits} scale bits`);
        const rescale = squareAtTop && ops.length > 0;
        ops.push({ kind: 'square', stage: stageIndex, sourceLayers: stage.sourceLayers, relinearize: true, rescale }); // prettier-ignore
        return;
      }
      if (stage.kind !== 'linear') throw new PlanningError('affine stages are client-side');
      const matrix = slotMatrix(stage, layout);
      const diagonals = diagonalIndices(matrix);
      const width = Math.max(matrix.inputPeriod, matrix.outputPeriod);
      const schedule = scheduleRotations(diagonals, matrix.outputPeriod, knownKeys);
      const foldSteps: number[] = [];
      for (let step = matrix.outputPeriod; step < width; step *= 2) foldSteps.push(step);
      schedule.keys.forEach((k) => knownKeys.add(k));
      foldSteps.forEach((k) => knownKeys.add(k));
      [...schedule.keys, ...foldSteps].forEach((k) => steps.add(k * lanes));
      let weightScaleBits: number;
      if (last) {
        // Unrescaled result at q0·q1: 2^(s_in + s_w)·(|y| + mask) < q0·q1 / 2.
        weightScaleBits = Math.min(45, Math.floor(q0 + q1 - 3 - scaleBits - headroomBits(log2Ceil(bound))));
        outputScaleBits = scaleBits + weightScaleBits;
      } else if (squareAtTop) {
        // Squared unrescaled at q0·q1, masked, rescaled by q1: 2^(2S − q1)·(z² + mask) < q0 / 2 with S = s_in + s_w.
        // S is split so the input's encryption noise and the weights' rounding noise stay about equal.
        const productBits = Math.floor((q0 + q1 - 3 - headroomBits(2 * log2Ceil(bound))) / 2);
        scaleBits = Math.min(scaleBits, Math.floor(productBits / 2) + INPUT_SCALE_EXTRA_BITS);
        weightScaleBits = productBits - scaleBits;
        outputScaleBits = productBits;
        if (Math.min(scaleBits, weightScaleBits, 2 * productBits - q1) < minimumScaleBits)
          throw new PlanningError(`activations of stage ${stageIndex} keep only ${productBits} product scale bits`);
      } else {
        // Rescaled by q1 then squared at q0 alone: (2^s'·z)² (+ mask) < q0 / 2, so without a mask
        // s' = ⌊(q0 − 2)/2 − log2|z|⌋; a mask of range R costs log2(1 + R / z²) / 2 bits. s_w = s' + q1 − s_in.
        const targetBits = Math.floor((q0 - 2 - headroomBits(2 * log2Ceil(bound))) / 2);
        weightScaleBits = targetBits + q1 - scaleBits;
        outputScaleBits = targetBits;
        if (targetBits < minimumScaleBits)
          throw new PlanningError(`activations of stage ${stageIndex} keep only ${targetBits} scale bits at q0=${q0}`);
      }
      const op: LinearOpPlan = {
        kind: 'linear',
        stage: stageIndex,
        sourceLayers: stage.sourceLayers,
        method: layout.kind === 'im2col' ? 'im2col-diagonals' : stage.conv ? 'sparse-diagonals' : 'bsgs-hybrid',
        inputPeriod: width,
        outputPeriod: matrix.outputPeriod,
        diagonals,
        babyStep: schedule.babyStep,
        babyRotation: schedule.babyRotation,
        giantRotation: schedule.giantRotation,
        babySteps: schedule.babySteps,
        giantSteps: schedule.giantSteps,
        foldSteps,
        weightScaleBits,
        rescale: !last && !squareAtTop,
        rotations: schedule.rotations + foldSteps.length,
        multiplyPlain: diagonals.length,
        outputLayout: matrix.outputLayout,
      };
      ops.push(op);
      outputLayout = matrix.outputLayout;
    });
    const linear = ops.filter((op): op is LinearOpPlan => op.kind === 'linear');
    // A client may smuggle i·y into any input (the last layer would hand it W·y in the prediction's imaginary
    // half; a square, 2·(Wx)·(Wy)): private plans keep only the real part of every input that a linear map opens.
    const realPart = maskBits > 0 && ops[0]?.kind === 'linear';
    if (realPart) steps.add(0);
    return {
      index,
      input: { layout, scaleBits, bound: affinedBound, ...(affine ? { clientAffine: toAffine(affine) } : {}), ...(realPart ? { realPart } : {}) }, // prettier-ignore
      ops,
      output: {
        layout: outputLayout,
        scaleBits: outputScaleBits,
        ciphertextSize,
        bound: outputBound,
        ...(maskRange > 0 ? { maskBits: partitionMaskBits, maskRange } : {}),
        imaginaryRange,
        ...(final && maskBits > 0 ? { floodRange: FINAL_FLOOD_RANGE } : {}),
      },
      galoisSteps: [...steps].sort((a, b) => a - b),
      rotations: linear.reduce((a, op) => a + op.rotations, 0) + (realPart ? 1 : 0),
      multiplyPlain: linear.reduce((a, op) => a + op.multiplyPlain, 0),
    };
  };
  const partitions = drafts.map((draft, index) => {
    for (let bits = maskBits; ; bits--) {
      try {
        return planPartition(draft, index, bits);
      } catch (error) {
        if (!(error instanceof PlanningError) || bits <= 0) throw error;
      }
    }
  });

  const galoisSteps = [...new Set(partitions.flatMap((p) => p.galoisSteps))].sort((a, b) => a - b);
  const rotations = partitions.reduce((a, p) => a + p.rotations, 0);
  const multiplyPlain = partitions.reduce((a, p) => a + p.multiplyPlain, 0);
  const rescales = partitions.flatMap((p) => p.ops).filter((op) => op.kind === 'linear' && op.rescale).length;
  const squares = partitions.flatMap((p) => p.ops).filter((op) => op.kind === 'square').length;
  const lastStage = stages[stages.length - 1]!;
  const outputCount = lastStage.kind === 'linear' ? lastStage.outLength : lastStage.length;
  const finalLayout = partitions[partitions.length - 1]!.output.layout;
  const masked = partitions.filter((p) => p.output.maskBits !== undefined);
  const maskedValuesPerMolecule = masked.reduce((a, p) => a + p.output.layout.length, 0);
  const weakest = Math.min(...masked.map((p) => p.output.maskBits!));
  const blinding: BlindingSummary | undefined = masked.length
    ? { maskBits: weakest, leakagePerValue: 2 ** -weakest, maskedValuesPerMolecule, leakagePerMolecule: masked.reduce((a, p) => a + p.output.layout.length * 2 ** -p.output.maskBits!, 0), floodRange: partitions[partitions.length - 1]!.output.floodRange } // prettier-ignore
    : undefined;
  if (finalLayout.kind === 'im2col') throw new UnsupportedNetworkError('a network cannot end on an im2col input');
  return {
    planVersion: PLAN_VERSION,
    model: { name: bundle.name, inputLength: bundle.inputLength, outputCount },
    parameters,
    slotCount,
    moleculesPerCiphertext: lanes - reserved,
    ...(reserved > 0 ? { lanes } : {}),
    galoisSteps,
    relinearizationKeys: squares > 0,
    partitions,
    output: { layout: finalLayout, count: outputCount, ...(outputAffine ? { clientAffine: toAffine(outputAffine) } : {}) }, // prettier-ignore
    ...(blinding ? { blinding } : {}),
    estimates: {
      rotations,
      multiplyPlain,
      // A relinearization costs about one rotation; the re-randomizing encryption about one too.
      serverMs: Math.round((rotations + squares + partitions.length) * cost.rotate + multiplyPlain * cost.multiplyPlain + rescales * cost.rescale + squares * cost.square), // prettier-ignore
      evaluationKeyBytes: (galoisSteps.length + (squares > 0 ? 1 : 0)) * keySwitchKeyBytes(parameters) + publicKeyBytes(parameters), // prettier-ignore
    },
  };
}
