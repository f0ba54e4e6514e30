// Cross-checks our Morgan bits with the Python RDKit's (fixtures/README.md tells how they were made).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitsToHex, loadFeaturizer, MoleculeError, type Featurizer } from '@chemveil/featurizer/node';

interface Reference {
  input: string;
  valid: boolean;
  canonical_smiles?: string;
  num_atoms?: number;
  morgan_r2_1024_hex?: string;
}

const references: Reference[] = readFileSync(new URL('./fixtures/reference.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Reference);

/**
 * Every molecule where we and the Python RDKit 2022.09 disagree, and why. A new disagreement fails the test.
 * - Newer RDKit (2024+) refuses a neutral hexavalent phosphorus written as F[P](F)(F)(F)(F)F (valence 6 > 5 allowed);
 *   2022.09 accepted it. The chemically right SMILES is F[P-](F)(F)(F)(F)F.
 */
const EXPLAINED: Record<string, string> = {
  'CCCCCCCCCCCCCCCC[N+](C)(C)CC1=CC=CC=C1.F[P](F)(F)(F)(F)F':
    'Explicit valence for atom # 27 P, 6, is greater than permitted',
};

describe('Morgan bits against the Python RDKit', () => {
  let featurizer: Featurizer;
  beforeAll(async () => {
    featurizer = await loadFeaturizer();
  });

  it('has the whole fixture', () => {
    expect(references).toHaveLength(426);
  });

  it('agrees on ≥ 99% of molecules, and every difference is explained', () => {
    let identical = 0;
    const unexplained: string[] = [];
    for (const reference of references) {
      let hex: string | undefined;
      let error: MoleculeError | undefined;
      try {
        hex = bitsToHex(featurizer.morganBits(reference.input, 2, 1024, 'none'));
      } catch (e) {
        if (!(e instanceof MoleculeError)) throw e;
        error = e;
      }
      const agree = reference.valid ? hex === reference.morgan_r2_1024_hex : error !== undefined;
      if (agree) identical++;
      else if (!(reference.input in EXPLAINED) || !error?.message.includes(EXPLAINED[reference.input])) {
        unexplained.push(`${reference.input}: ours ${error ? error.message : hex}`);
      }
    }
    expect(unexplained).toEqual([]);
    expect(identical / references.length).toBeGreaterThanOrEqual(0.99);
    expect(identical).toBe(references.length - Object.keys(EXPLAINED).length);
  });

  it('gives the same atom counts, and canonical SMILES for nearly all (they may differ across RDKit versions)', () => {
    let sameSmiles = 0;
    let compared = 0;
    for (const reference of references) {
      if (!reference.valid || reference.input in EXPLAINED) continue;
      const description = featurizer.describe(reference.input, 'none');
      expect(description.numAtoms, reference.input).toBe(reference.num_atoms);
      compared++;
      if (description.canonicalSmiles === reference.canonical_smiles) sameSmiles++;
    }
    expect(sameSmiles / compared).toBeGreaterThan(0.95);
  });
});
