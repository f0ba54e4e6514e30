import type { EvaluationPlan, VectorLayout } from './types.ts';

export { nextPowerOfTwo } from '../featurizer-spec.ts';

/** Position of logical element i within one period (contiguous and channel-strided layouts). */
export function positionOf(layout: VectorLayout, i: number): number {
  if (layout.kind === 'contiguous') return i;
  if (layout.kind === 'channel-strided')
    return Math.floor(i / layout.perChannel) * layout.channelStride + (i % layout.perChannel);
  throw new Error('im2col layouts are built by the client, not indexed');
}

/** One period of the slot vector for a logical vector (the client's re-layout; im2col expands patches). */
export function layOutVector(layout: VectorLayout, logical: ArrayLike<number>): Float64Array {
  const out = new Float64Array(layout.period);
  if (layout.kind !== 'im2col') {
    for (let i = 0; i < layout.length; i++) out[positionOf(layout, i)] = logical[i]!;
    return out;
  }
  const g = layout.geometry;
  const [kh, kw] = g.kernel;
  for (let ci = 0; ci < g.inChannels; ci++)
    for (let ky = 0; ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++) {
        const k = (ci * kh + ky) * kw + kx;
        for (let oy = 0; oy < g.outHeight; oy++) {
          const iy = oy * g.stride[0] - g.padding[0] + ky;
          if (iy < 0 || iy >= g.inHeight) continue;
          for (let ox = 0; ox < g.outWidth; ox++) {
            const ix = ox * g.stride[1] - g.padding[1] + kx;
            if (ix < 0 || ix >= g.inWidth) continue;
            out[k * layout.patchStride + oy * g.outWidth + ox] = logical[(ci * g.inHeight + iy) * g.inWidth + ix]!;
          }
        }
      }
  return out;
}

/** Physical lanes of a plan's ciphertexts: its molecules plus the reserved lanes (plans before those: none). */
export const laneCount = (plan: Pick<EvaluationPlan, 'lanes' | 'moleculesPerCiphertext'>): number =>
  plan.lanes ?? plan.moleculesPerCiphertext;

/** The lane molecule 0 goes in: lanes below it are reserved (see EvaluationPlan.lanes). */
export const firstMoleculeLane = (plan: Pick<EvaluationPlan, 'lanes' | 'moleculesPerCiphertext'>): number =>
  laneCount(plan) - plan.moleculesPerCiphertext;

/**
 * Interleaves up to B molecules' period vectors into slotCount slots of `lanes` lanes: slot s holds period
 * position ⌊s/lanes⌋ mod p of lane s mod lanes. Molecule m goes in lane firstLane + m; missing molecule lanes
 * repeat the molecules given (a single molecule fills every one). Reserved lanes (below firstLane) get
 * `reserved(lane)`'s period, or zeros.
 */
export function packMolecules(
  periods: Float64Array[],
  lanes: number,
  slotCount: number,
  firstLane = 0,
  reserved?: (lane: number) => Float64Array,
): Float64Array {
  const capacity = lanes - firstLane;
  if (periods.length === 0 || periods.length > capacity) throw new RangeError(`pack 1..${capacity} molecules`);
  const period = periods[0]!.length;
  const laneVectors = Array.from({ length: lanes }, (_, lane) =>
    lane < firstLane ? (reserved?.(lane) ?? new Float64Array(period)) : periods[(lane - firstLane) % periods.length]!,
  );
  const slots = new Float64Array(slotCount);
  for (let s = 0; s < slotCount; s++) slots[s] = laneVectors[s % lanes]![Math.floor(s / lanes) % period]!;
  return slots;
}

/** Reads molecule m's logical vector back from decoded slots (first period only; lane firstLane + m). */
export function unpackMolecule(
  slots: ArrayLike<number>,
  layout: VectorLayout,
  lanes: number,
  molecule: number,
  firstLane = 0,
) {
  const out = new Float64Array(layout.length);
  for (let i = 0; i < layout.length; i++) out[i] = slots[positionOf(layout, i) * lanes + firstLane + molecule]!;
  return out;
}

/** A weight or bias vector (one period) spread over all slots, the same for every molecule lane. */
export function broadcastPeriod(period: ArrayLike<number>, lanes: number, slotCount: number): Float64Array {
  const slots = new Float64Array(slotCount);
  for (let s = 0; s < slotCount; s++) slots[s] = period[Math.floor(s / lanes) % period.length]!;
  return slots;
}
