import { describe, expect, it } from 'vitest';
import {
  drawPartitionMasks,
  firstMoleculeLane,
  laneCount,
  makeBundle,
  maskSlots,
  planModel,
  positionOf,
  randomDense,
  seededRandom,
  unmaskSlots,
} from '../src/index.ts';

const random = seededRandom(9);
const mlp = makeBundle({
  name: 'mlp',
  inputLength: 1024,
  layers: [randomDense(1024, 64, random), { kind: 'square' }, randomDense(64, 32, random), { kind: 'square' }, randomDense(32, 1, random)], // prettier-ignore
});
const wide = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], securityLevel: 'tc128' as const };
const narrow = { polyModulusDegree: 8192, coeffModulusBits: [60, 30, 60], securityLevel: 'tc128' as const };

describe('blinding plan', () => {
  it('masks every intermediate result (not the prediction) and records the leakage bound', () => {
    const plan = planModel(mlp, { parameters: wide, maskBits: 16 });
    expect(plan.partitions.map((p) => p.output.maskBits)).toEqual([16, 16, undefined]);
    expect(plan.blinding).toEqual({ maskBits: 16, leakagePerValue: 2 ** -16, maskedValuesPerMolecule: 96, leakagePerMolecule: 96 * 2 ** -16, floodRange: 2 ** -13 }); // prettier-ignore
    // Every result gets fresh imaginary values; only the prediction gets the real flood.
    expect(plan.partitions.map((p) => p.output.imaginaryRange > 0)).toEqual([true, true, true]);
    expect(plan.partitions.map((p) => p.output.floodRange)).toEqual([undefined, undefined, 2 ** -13]);
    for (const p of plan.partitions.slice(0, 2)) {
      expect(p.ops.map((o) => [o.kind, o.rescale])).toEqual([
        ['linear', false],
        ['square', true],
      ]);
      expect(p.output.maskRange).toBeCloseTo(2 ** 16 * p.output.bound);
      // Decryption headroom at q0 = 60 after the rescale: 2^scale · (margin² · bound + R) < q0 / 2.
      expect(p.output.scaleBits + Math.log2(16 * p.output.bound + p.output.maskRange!)).toBeLessThan(59);
    }
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('charges a [60, 30, 60] chain half a scale bit per mask bit; maskBits 0 is the unblinded plan', () => {
    const bits = (maskBits: number) => planModel(mlp, { parameters: narrow, maskBits, minimumScaleBits: 1 }).partitions[0]!.output.scaleBits / 2; // prettier-ignore
    expect(bits(0) - bits(16)).toBeGreaterThanOrEqual(6);
    expect(planModel(mlp, { parameters: narrow, maskBits: 0 }).blinding).toBeUndefined();
    // Asked for more than the chain holds, a partition gets the most mask bits that keep 20 scale bits.
    const reduced = planModel(mlp, { parameters: narrow, maskBits: 24 });
    expect(reduced.blinding!.maskBits).toBeLessThan(24);
    expect(reduced.partitions[0]!.output.scaleBits / 2).toBeGreaterThanOrEqual(20);
  });

  it('lays the same mask on every copy of a value and removes it through the next client affine', () => {
    const plan = planModel(mlp, { parameters: wide });
    const lanes = plan.moleculesPerCiphertext;
    const [mask] = drawPartitionMasks(plan, 0, 3)!; // 3 molecules in a ciphertext of B = 4 lanes
    expect(mask).toHaveLength(3 * 64);
    const slots = maskSlots(plan, 0, { molecules: 3, mask });
    const layout = plan.partitions[0]!.output.layout;
    const period = layout.period;
    for (let s = 0; s < plan.slotCount; s++) {
      const molecule = (s % lanes) % 3; // lane 3 repeats molecule 0, as the client packs it
      const position = Math.floor(s / lanes) % period;
      if (position < 64) expect(slots[s]).toBe(mask![molecule * 64 + positionOf(layout, position)]);
      else expect(Math.abs(slots[s]!)).toBeLessThanOrEqual(plan.partitions[0]!.output.maskRange!);
    }
    const removed = unmaskSlots(plan, 1, { molecules: 3, unmask: mask });
    for (let s = 0; s < plan.slotCount; s++) {
      const position = Math.floor(s / lanes) % plan.partitions[1]!.input.layout.period;
      expect(removed[s]).toBe(position < 64 ? mask![((s % lanes) % 3) * 64 + position] : 0);
    }
    expect(() => maskSlots(plan, 0, { molecules: 2, mask })).toThrow(RangeError);
  });

  it('masks the reserved lanes of a wide plan with fresh values and puts molecules after them', () => {
    const small = makeBundle({ name: 'small', inputLength: 64, layers: [randomDense(64, 16, random), { kind: 'square' }, randomDense(16, 1, random)] }); // prettier-ignore
    const plan = planModel(small, { parameters: wide });
    expect([laneCount(plan), plan.moleculesPerCiphertext, firstMoleculeLane(plan)]).toEqual([64, 62, 2]);
    expect(plan.galoisSteps.every((s) => s % 64 === 0)).toBe(true); // rotations by whole physical lanes
    const [mask] = drawPartitionMasks(plan, 0, 62)!;
    const slots = maskSlots(plan, 0, { molecules: 62, mask: mask! });
    const range = plan.partitions[0]!.output.maskRange!;
    for (let position = 0; position < 16; position++) {
      // Lane 2 + m carries molecule m's stored mask; lanes 0 and 1 (no molecule) fresh draws, never zero.
      for (const m of [0, 1, 61]) expect(slots[position * 64 + 2 + m]).toBe(mask![m * 16 + position]);
      for (const lane of [0, 1]) {
        expect(slots[position * 64 + lane]).not.toBe(0);
        expect(Math.abs(slots[position * 64 + lane]!)).toBeLessThanOrEqual(range);
      }
    }
    const removed = unmaskSlots(plan, 1, { molecules: 62, unmask: mask! });
    expect(removed[0]).toBe(0); // nothing to remove where the client put no molecule
    expect(removed[2]).toBe(mask![0]);
  });
});
