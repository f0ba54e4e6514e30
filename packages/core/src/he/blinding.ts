import { firstMoleculeLane, laneCount, layOutVector, packMolecules, positionOf } from '../plan/layout.ts';
import type { EvaluationPlan } from '../plan/types.ts';

/**
 * Blinded refresh. Before an intermediate result goes back to the client the server adds a fresh uniform mask r
 * (one per logical value and molecule, from a CSPRNG) with addPlain, so the client decrypts z + r, never the hidden
 * activation z. The client refreshes as always: next.clientAffine(z + r) = affine(z) + scale ⊙ r, laid out and
 * re-encrypted fresh; the server subtracts layOut(scale ⊙ r) (one subPlain at the top level) before the linear map.
 * Neither costs a level. Masks are plain Float64Arrays (molecule-major: molecule m's values at m·length…), so the
 * server can keep them per query and send them to whichever worker thread runs the next partition.
 */

/** Masks for one ciphertext: `mask` is added to this partition's result, `unmask` (the previous partition's
 * mask) is removed from its input. `molecules` is how many molecules the ciphertext carries (lanes beyond repeat
 * them, exactly as the client packs). */
export interface CiphertextBlinding {
  molecules: number;
  mask?: Float64Array;
  unmask?: Float64Array;
}

/** Masks for one partition request: per ciphertext, as drawn by `drawPartitionMasks`. */
export interface PartitionBlinding {
  molecules: number;
  masks?: Float64Array[];
  unmasks?: Float64Array[];
}

const RANDOM_WORDS_PER_CALL = 16384; // getRandomValues takes at most 65,536 bytes

/** `count` values uniform on [−range, range), 53 random bits each, from the platform CSPRNG (Web Crypto). */
export function uniformMasks(count: number, range: number): Float64Array {
  const out = new Float64Array(count);
  const words = new Uint32Array(Math.min(RANDOM_WORDS_PER_CALL, 2 * count));
  for (let start = 0; start < count; start += words.length / 2) {
    globalThis.crypto.getRandomValues(words);
    for (let i = 0; i < words.length / 2 && start + i < count; i++) {
      const unit = (words[2 * i]! * 2 ** 21 + (words[2 * i + 1]! >>> 11)) / 2 ** 53;
      out[start + i] = (2 * unit - 1) * range;
    }
  }
  return out;
}

/** Molecules in ciphertext `group` of a batch (the last one may be partly filled). */
export function moleculesInCiphertext(plan: EvaluationPlan, molecules: number, group: number): number {
  const lanes = plan.moleculesPerCiphertext;
  return Math.max(0, Math.min(lanes, molecules - group * lanes));
}

/** Fresh masks for partition k's results, one Float64Array per ciphertext; undefined when k is not blinded. */
export function drawPartitionMasks(plan: EvaluationPlan, k: number, molecules: number): Float64Array[] | undefined {
  const output = plan.partitions[k]?.output;
  if (!output?.maskRange) return undefined;
  const groups = Math.ceil(molecules / plan.moleculesPerCiphertext);
  return Array.from({ length: groups }, (_, g) =>
    uniformMasks(moleculesInCiphertext(plan, molecules, g) * output.layout.length, output.maskRange!),
  );
}

function checkLength(what: string, values: Float64Array, expected: number): void {
  if (values.length !== expected) throw new RangeError(`${what} has ${values.length} values, expected ${expected}`);
}

/**
 * The slot vector added to partition k's result. Every slot is masked: the layout's positions with the stored r
 * (the same r in every replicated period and in every lane the client packed from the same molecule, so all the
 * client's copies of a value share one mask), the other positions of the period with fresh, unstored draws.
 */
export function maskSlots(plan: EvaluationPlan, k: number, blinding: CiphertextBlinding): Float64Array {
  const output = plan.partitions[k]!.output;
  const { layout } = output;
  const length = layout.length;
  checkLength(`partition ${k}'s mask`, blinding.mask!, blinding.molecules * length);
  if (layout.kind === 'im2col') throw new RangeError('an im2col layout is never a partition output');
  const used = new Uint8Array(layout.period);
  for (let i = 0; i < length; i++) used[positionOf(layout, i)] = 1;
  const periods = Array.from({ length: blinding.molecules }, (_, m) => {
    const period = uniformMasks(layout.period, output.maskRange!);
    for (let i = 0; i < length; i++) period[positionOf(layout, i)] = blinding.mask![m * length + i]!;
    return period;
  });
  // Reserved lanes hold the network's output for a zero input (model information): fresh, unstored masks too.
  const fresh = () => uniformMasks(layout.period, output.maskRange!);
  return packMolecules(periods, laneCount(plan), plan.slotCount, firstMoleculeLane(plan), fresh);
}

/**
 * The slot vector subtracted from partition k's fresh input: the previous partition's mask through this
 * partition's client affine (scale only: the shift is in the client's value already) and its input layout.
 */
export function unmaskSlots(plan: EvaluationPlan, k: number, blinding: CiphertextBlinding): Float64Array {
  const partition = plan.partitions[k]!;
  const length = plan.partitions[k - 1]!.output.layout.length;
  checkLength(`partition ${k - 1}'s mask`, blinding.unmask!, blinding.molecules * length);
  const scale = partition.input.clientAffine?.scale;
  const periods = Array.from({ length: blinding.molecules }, (_, m) => {
    const logical = blinding.unmask!.subarray(m * length, (m + 1) * length);
    return layOutVector(partition.input.layout, scale ? logical.map((r, i) => scale[i]! * r) : logical);
  });
  return packMolecules(periods, laneCount(plan), plan.slotCount, firstMoleculeLane(plan));
}

/** What `blindedTransport` needs of an evaluation session (structural, so this file stays free of SEAL). */
interface PartitionEvaluator {
  evaluatePartition(index: number, ciphertexts: Uint8Array[], blinding?: PartitionBlinding): Uint8Array[];
}

/**
 * One query through an in-process session with blinding, the way the server runs it: fresh masks per partition,
 * kept between partition k's reply and partition k + 1's request. For `FheClient.infer` (tests, benchmarks,
 * the training re-check). Partitions must come in order, each once.
 */
export function blindedTransport(session: PartitionEvaluator, plan: EvaluationPlan, molecules: number) {
  let previous: Float64Array[] | undefined;
  let expected = 0;
  return async (k: number, ciphertexts: Uint8Array[]): Promise<Uint8Array[]> => {
    if (k !== expected) throw new RangeError(`partition ${k} out of order (expected ${expected})`);
    const masks = drawPartitionMasks(plan, k, molecules);
    const results = session.evaluatePartition(k, ciphertexts, { molecules, masks, unmasks: previous });
    previous = masks;
    expected = k + 1;
    return results;
  };
}
