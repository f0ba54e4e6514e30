import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_FEATURIZER_SPEC } from '@chemveil/core';
import { createNodeFeaturizer, MoleculeError } from '@chemveil/featurizer/node';

const molecules = readFileSync(new URL('./fixtures/reference.smi', import.meta.url), 'utf8')
  .trim()
  .split('\n');

it('keeps the WASM heap bounded over 20,000 molecules (every RDKit object freed)', async () => {
  // A private RDKit instance: its heap is ours alone to watch. The heap never shrinks, so a leak shows as growth.
  const featurizer = await createNodeFeaturizer();
  const run = (count: number, offset: number) => {
    let failures = 0;
    for (let i = 0; i < count; i++) {
      const smiles = molecules[(offset + i) % molecules.length];
      try {
        featurizer.featurize(smiles, DEFAULT_FEATURIZER_SPEC);
        if (i % 10 === 0) featurizer.describe(smiles);
      } catch (error) {
        if (!(error instanceof MoleculeError)) throw error;
        failures++;
      }
    }
    return failures;
  };
  run(2_000, 0); // warm-up: lets the allocator reach its working size
  const warm = featurizer.heapBytes();
  const failures = run(18_000, 2_000);
  const after = featurizer.heapBytes();
  expect(failures).toBeGreaterThan(0); // invalid fixture molecules exercised the error path too
  expect(warm).toBeGreaterThan(0);
  expect(after - warm).toBeLessThanOrEqual(2 * 2 ** 20);
});
