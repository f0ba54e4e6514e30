import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forwardStages, lowerBundle, ModelEngine, parseBundle, referenceForward } from '@chemveil/core';
import type { EvaluationPlan } from '@chemveil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostileClient } from './attacks.ts';
import { heldOutFeatures } from '../../../stress/molecules.ts';

// The numbers docs/security.md states for the shipped esol plan, measured in process with the key owner's view
// (its own secret key): what the imaginary half of every result carries when the server's fresh imaginary values
// are switched off (the noise they must hide), and what the final flood costs and changes.
const models = fileURLToPath(new URL('../../../models/', import.meta.url));
const bundle = parseBundle(new Uint8Array(readFileSync(join(models, 'esol.cvmb'))));
const planFile = readdirSync(join(models, 'plans'))
  .map((f) => JSON.parse(readFileSync(join(models, 'plans', f), 'utf8')) as { plan: EvaluationPlan })
  .find((p) => p.plan.model.name === bundle.name)!;
const shipped = planFile.plan;
const stages = lowerBundle(bundle);

let inputs: Float32Array[];
beforeAll(async () => {
  inputs = await heldOutFeatures(bundle, 2 * shipped.moleculesPerCiphertext);
});

/** Runs every partition in process with `plan` (honest refreshes), returning each partition's raw result. */
async function run(plan: EvaluationPlan, hostile: HostileClient, engine: ModelEngine, xs: Float32Array[]) {
  const session = engine.openSession(hostile.evaluationKeys());
  const B = plan.moleculesPerCiphertext;
  const results: Uint8Array[][] = [];
  try {
    let cts = hostile.encrypt(0, xs);
    for (let k = 0; k < plan.partitions.length; k++) {
      // Masks off here: this measures noise, and the refresh needs no unmasking.
      const out = session.evaluatePartition(k, cts);
      results.push(out);
      if (k === plan.partitions.length - 1) break;
      const layout = plan.partitions[k]!.output.layout;
      const vectors = out.flatMap((bytes, g) => {
        const ct = hostile.load(bytes);
        try {
          return hostile.unpack(hostile.decryptSlots(ct), layout, Math.min(B, xs.length - g * B));
        } finally {
          ct.delete();
        }
      });
      cts = hostile.encrypt(k + 1, vectors);
    }
    return results;
  } finally {
    session.dispose();
  }
}

const largest = (values: ArrayLike<number>) => Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('privacy bounds of the shipped esol plan', () => {
  const quiet: EvaluationPlan = structuredClone(shipped);
  quiet.partitions.forEach((p) => ((p.output.imaginaryRange = 0), delete p.output.floodRange));
  let hostile: HostileClient;
  let engine: ModelEngine;
  afterAll(() => (hostile?.dispose(), engine?.dispose()));

  it('the imaginary half of every result holds only noise far below the fresh values that hide it', async () => {
    hostile = await HostileClient.create(quiet);
    engine = await ModelEngine.create(quiet, bundle);
    const results = await run(quiet, hostile, engine, inputs);
    results.forEach((cts, k) => {
      const output = shipped.partitions[k]!.output;
      const noise = Math.max(...cts.map((bytes) => {
        const ct = hostile.load(bytes);
        try {
          return largest(hostile.imaginarySlots(ct));
        } finally {
          ct.delete();
        }
      })); // prettier-ignore
      // Statistical distance of the imaginary half from uniform, per value: |noise| / (2·range).
      const distance = noise / (2 * output.imaginaryRange);
      console.log(`partition ${k}: max |Im| ${noise.toExponential(2)}, range ${output.imaginaryRange.toExponential(2)}, distance 2^${Math.log2(distance).toFixed(1)}`); // prettier-ignore
      expect(distance).toBeLessThan(2 ** -32);
    });
  });

  it('the final flood moves every prediction by at most F, differently on every query', async () => {
    const flooded = await HostileClient.create(shipped);
    const floodEngine = await ModelEngine.create(shipped, bundle);
    try {
      const F = shipped.partitions[shipped.partitions.length - 1]!.output.floodRange!;
      expect(F).toBe(2 ** -13);
      // Unflooded prediction error (the CKKS noise the flood hides), then two flooded runs of the same inputs.
      const predict = async (plan: EvaluationPlan, client: HostileClient, eng: ModelEngine) => {
        const results = await run(plan, client, eng, inputs);
        const layout = plan.output.layout;
        const B = plan.moleculesPerCiphertext;
        return results[results.length - 1]!.flatMap((bytes, g) => {
          const ct = client.load(bytes);
          try {
            return client.unpack(client.decryptSlots(ct), layout, Math.min(B, inputs.length - g * B)).map((v) => v[0]!); // prettier-ignore
          } finally {
            ct.delete();
          }
        });
      };
      // Raw outputs before the client affine: compare with the last stage of the reference.
      const truth = inputs.map((x) => forwardStages(stages, x)[stages.length - 1]![0]!);
      const plain = await predict(quiet, hostile, engine);
      const noise = largest(plain.map((v, m) => v - truth[m]!));
      const [a, b] = [await predict(shipped, flooded, floodEngine), await predict(shipped, flooded, floodEngine)];
      const moved = largest(a.map((v, m) => v - plain[m]!));
      console.log(`final: unflooded error ${noise.toExponential(2)}, flood moved ≤ ${moved.toExponential(2)}, distance ≤ 2^${Math.log2(noise / (2 * F)).toFixed(1)}`); // prettier-ignore
      expect(moved).toBeLessThanOrEqual(F + 2 * noise);
      expect(moved).toBeGreaterThan(F / 100); // it is there
      expect(a.every((v, m) => v !== b[m])).toBe(true); // fresh on every query
      a.forEach((v, m) => expect(Math.abs(v - truth[m]!)).toBeLessThan(1e-3));
      expect(referenceForward(bundle, inputs[0]!)).toHaveLength(1);
    } finally {
      flooded.dispose();
      floodEngine.dispose();
    }
  });
});
