import { describe, expect, it } from 'vitest';
import {
  assertTc128,
  InsecureParametersError,
  makeBundle,
  PARAMETER_CANDIDATES,
  planModel,
  randomConv2d,
  randomDense,
  seededRandom,
  TC128_MAX_MODULUS_BITS,
} from '../src/index.ts';
import type { LinearOpPlan } from '../src/index.ts';

const random = seededRandom(3);
const mlp = makeBundle({
  name: 'mlp',
  inputLength: 1024,
  layers: [randomDense(1024, 64, random), { kind: 'square' }, randomDense(64, 32, random), { kind: 'square' }, randomDense(32, 1, random)], // prettier-ignore
});

describe('planner', () => {
  it('plans the MLP as BSGS hybrid with 34 rotations over 10 Galois steps (+ conjugation), B = 4 at N = 8192', () => {
    const plan = planModel(mlp);
    expect(plan.parameters.polyModulusDegree).toBe(8192);
    expect(plan.moleculesPerCiphertext).toBe(4);
    expect(plan.partitions.map((p) => p.ops.map((o) => o.kind))).toEqual([['linear', 'square'], ['linear', 'square'], ['linear']]); // prettier-ignore
    const first = plan.partitions[0]!.ops[0] as LinearOpPlan;
    expect(first).toMatchObject({ method: 'bsgs-hybrid', inputPeriod: 1024, outputPeriod: 64, babyStep: 8, foldSteps: [64, 128, 256, 512] }); // prettier-ignore
    expect(first.diagonals).toHaveLength(64);
    // 34 rotations, plus one conjugation per partition: a private plan keeps the real part of every input.
    expect(plan.partitions.every((p) => p.input.realPart)).toBe(true);
    expect(plan.estimates.rotations).toBe(34 + 3);
    expect(plan.galoisSteps).toHaveLength(10 + 1);
    expect(plan.galoisSteps[0]).toBe(0); // step 0: SEAL's complex conjugation
    // Interleaved packing: every step is a multiple of B, so one rotation moves all molecules.
    expect(plan.galoisSteps.every((s) => s % 4 === 0 && s < plan.slotCount)).toBe(true);
    // Squares are relinearized before anything is added to them (a size-3 result leaks its mask).
    expect(plan.relinearizationKeys).toBe(true);
    expect(plan.partitions.map((p) => p.output.ciphertextSize)).toEqual([2, 2, 2]);
    // Public and JSON-serializable.
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('leaves lanes 0 and 1 empty when a plan has 16 or more lanes, unless told otherwise', () => {
    const small = makeBundle({ name: 'small', inputLength: 64, layers: [randomDense(64, 8, random), { kind: 'square' }, randomDense(8, 1, random)] }); // prettier-ignore
    const parameters = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], securityLevel: 'tc128' as const };
    expect(planModel(small, { parameters })).toMatchObject({ lanes: 64, moleculesPerCiphertext: 62 });
    const full = planModel(small, { parameters, reservedLanes: 0 });
    expect([full.lanes, full.moleculesPerCiphertext]).toEqual([undefined, 64]);
    expect(planModel(mlp).lanes).toBeUndefined(); // 4 lanes: all carry molecules
    expect(() => planModel(small, { parameters, reservedLanes: 64 })).toThrow(/reservedLanes 64/);
  });

  it('uses client-side im2col for a first-layer conv: 4 diagonals instead of dozens', () => {
    const bundle = makeBundle({
      name: 'conv',
      inputLength: 1024,
      layout: '32x32',
      layers: [randomConv2d(1, 4, 4, 4, 0, random), { kind: 'square' }, { kind: 'flatten' }, randomDense(256, 1, random)], // prettier-ignore
    });
    const auto = planModel(bundle);
    const conv = auto.partitions[0]!.ops[0] as LinearOpPlan;
    expect(conv.method).toBe('im2col-diagonals');
    expect(conv.diagonals).toEqual([0, 64, 128, 192]);
    const sparse = planModel(bundle, { convolution: 'sparse-diagonals' }).partitions[0]!.ops[0] as LinearOpPlan;
    expect(sparse.method).toBe('sparse-diagonals');
    expect(sparse.diagonals.length).toBeGreaterThan(conv.diagonals.length);
  });

  it('only emits and accepts tc128 parameter sets', () => {
    for (const parameters of PARAMETER_CANDIDATES) {
      const total = parameters.coeffModulusBits.reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(TC128_MAX_MODULUS_BITS[parameters.polyModulusDegree]!);
      expect(() => assertTc128(parameters)).not.toThrow();
    }
    const tooBig = { polyModulusDegree: 4096, coeffModulusBits: [40, 40, 40], securityLevel: 'tc128' as const };
    expect(() => assertTc128(tooBig)).toThrow(InsecureParametersError);
    expect(() => planModel(mlp, { parameters: tooBig })).toThrow(/exceed the tc128 limit 109/);
    const oddSize = { polyModulusDegree: 12288, coeffModulusBits: [60, 40, 60], securityLevel: 'tc128' as const };
    expect(() => assertTc128(oddSize)).toThrow(InsecureParametersError);
  });

  it('refuses parameters that leave too little precision', () => {
    const small = { polyModulusDegree: 4096, coeffModulusBits: [40, 29, 40], securityLevel: 'tc128' as const };
    expect(() => planModel(mlp, { parameters: small })).toThrow(/scale bits/);
  });
});
