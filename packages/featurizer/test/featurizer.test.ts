import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURIZER_SPEC, featureLength, parseFeaturizerSpec, type FeaturizerSpec } from '@chemveil/core';
import {
  bitsToHex,
  carbonCount,
  chooseParentFragment,
  loadFeaturizer,
  MAX_SMILES_LENGTH,
  MoleculeError,
  type Featurizer,
} from '@chemveil/featurizer/node';

let featurizer: Featurizer;
beforeAll(async () => {
  featurizer = await loadFeaturizer();
});

function errorOf(run: () => unknown): MoleculeError {
  try {
    run();
  } catch (error) {
    if (error instanceof MoleculeError) return error;
    throw error;
  }
  throw new Error('expected a MoleculeError');
}

describe('parsing and validation', () => {
  it('describes a valid SMILES', () => {
    const aspirin = featurizer.describe('CC(=O)Oc1ccccc1C(=O)O');
    expect(aspirin).toEqual({
      canonicalSmiles: 'CC(=O)Oc1ccccc1C(=O)O',
      inchiKey: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N',
      numAtoms: 13,
      parent: { canonicalSmiles: 'CC(=O)Oc1ccccc1C(=O)O', numAtoms: 13, removedFragments: [] },
    });
  });

  it("carries RDKit's own message and the position for a bad SMILES", () => {
    const error = errorOf(() => featurizer.describe('CC(C'));
    expect(error.code).toBe('INVALID_SMILES');
    expect(error.message).toContain('SMILES Parse Error: extra open parentheses');
    expect(error.position).toBe(3);
  });

  it('reports kekulization and valence failures with their cause', () => {
    expect(errorOf(() => featurizer.describe('c1cccc1')).message).toMatch(/kekulize/);
    expect(errorOf(() => featurizer.describe('C(C)(C)(C)(C)C')).message).toMatch(/valence/i);
  });

  it('refuses empty and whitespace input instead of a zero-atom molecule', () => {
    expect(errorOf(() => featurizer.describe('')).code).toBe('EMPTY_INPUT');
    expect(errorOf(() => featurizer.describe('  \n ')).code).toBe('EMPTY_INPUT');
  });

  it('refuses oversized input before RDKit sees it', () => {
    expect(errorOf(() => featurizer.describe('C'.repeat(MAX_SMILES_LENGTH + 1))).code).toBe('INPUT_TOO_LARGE');
  });

  it('reads molfiles to the same molecule and features as the SMILES', () => {
    const smiles = 'CN1CCC[C@H]1c1cccnc1';
    const molblock = featurizer.withMolecule(smiles, 'none', (mol) => mol.get_molblock());
    expect(molblock).toContain('M  END');
    expect(featurizer.describe(molblock).canonicalSmiles).toBe(featurizer.describe(smiles).canonicalSmiles);
    expect(bitsToHex(featurizer.morganBits(molblock, 2, 1024))).toBe(bitsToHex(featurizer.morganBits(smiles, 2, 1024)));
  });

  it('refuses a broken molfile and an atom-less one with specific codes', () => {
    const broken = '\n  RDKit          2D\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\nnot an atom line\nM  END\n';
    expect(errorOf(() => featurizer.describe(broken)).code).toBe('INVALID_MOLFILE');
    const empty = '\n  RDKit          2D\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n';
    expect(errorOf(() => featurizer.describe(empty)).code).toBe('NO_ATOMS');
  });

  it('draws an SVG depiction', () => {
    const svg = featurizer.depict('c1ccccc1O', { width: 200, height: 150 });
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*width='200px'[\s\S]*<\/svg>/);
  });
});

describe('standardization: largest organic fragment', () => {
  it('drops a salt so the parent has the same features as the free base', () => {
    const salt = featurizer.describe('[Cl].CC(C)NCC(O)COc1ccccc1');
    expect(salt.parent.canonicalSmiles).toBe('CC(C)NCC(O)COc1ccccc1');
    expect(salt.parent.removedFragments).toEqual(['[Cl]']);
    expect(salt.canonicalSmiles).toContain('.');
    const spec = DEFAULT_FEATURIZER_SPEC;
    expect(featurizer.featurize('[Cl].CC(C)NCC(O)COc1ccccc1', spec)).toEqual(
      featurizer.featurize('CC(C)NCC(O)COc1ccccc1', spec),
    );
  });

  it('prefers carbon over a larger inorganic fragment and does not depend on fragment order', () => {
    expect(featurizer.describe('[Na+].[O-]C(=O)C').parent.canonicalSmiles).toBe('CC(=O)[O-]');
    const a = featurizer.describe('OS(=O)(=O)O.NC(N)=N').parent.canonicalSmiles;
    const b = featurizer.describe('NC(N)=N.OS(=O)(=O)O').parent.canonicalSmiles;
    expect(a).toBe('N=C(N)N');
    expect(b).toBe(a);
  });

  it('keeps the largest fragment when none has carbon', () => {
    expect(featurizer.describe('O.[Na+].[O-]S(=O)(=O)[O-]').parent.canonicalSmiles).toBe('O=S(=O)([O-])[O-]');
    // Equal sizes: the lexicographically smallest canonical SMILES, whatever the input order.
    expect(featurizer.describe('[NH4+].[Cl-]').parent.canonicalSmiles).toBe('[Cl-]');
    expect(featurizer.describe('[Cl-].[NH4+]').parent.canonicalSmiles).toBe('[Cl-]');
  });

  it('counts carbons without mistaking chlorine, calcium or bracket atoms', () => {
    expect(carbonCount('ClCCl')).toBe(1);
    expect(carbonCount('[Ca+2]')).toBe(0);
    expect(carbonCount('[13CH3]c1ccccc1')).toBe(7);
    expect(carbonCount('[Cl-]')).toBe(0);
    const fragments = [
      { smiles: 'B', heavyAtoms: 3, carbons: 1 },
      { smiles: 'A', heavyAtoms: 3, carbons: 1 },
    ];
    expect(chooseParentFragment(fragments)).toBe(1);
  });
});

describe('feature vectors from a spec', () => {
  it('expands Morgan bits to 0/1 in bit order', () => {
    const features = featurizer.featurize('CCO', DEFAULT_FEATURIZER_SPEC);
    const bits = featurizer.morganBits('CCO', 2, 1024);
    expect(features).toHaveLength(1024);
    for (let i = 0; i < 1024; i++) expect(features[i]).toBe((bits[i >> 3] >> (i & 7)) & 1);
    expect(features.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('appends clamped z-scored descriptors and pads to a power of two', () => {
    const spec: FeaturizerSpec = parseFeaturizerSpec({
      nBits: 1000,
      descriptors: { names: ['CrippenClogP', 'tpsa', 'NumHeavyAtoms'], mean: [2, 60, 20], std: [1, 20, 0.1], clip: 4 },
    });
    expect(featureLength(spec)).toBe(1024);
    const features = featurizer.featurize('CC(=O)Oc1ccccc1C(=O)O', spec);
    expect(features).toHaveLength(1024);
    const raw = featurizer.descriptors('CC(=O)Oc1ccccc1C(=O)O');
    expect(features[1000]).toBeCloseTo((raw.CrippenClogP - 2) / 1, 5);
    expect(features[1001]).toBeCloseTo((raw.tpsa - 60) / 20, 5);
    expect(features[1002]).toBe(-4); // (13 − 20) / 0.1 = −70, clamped
    expect(Array.from(features.subarray(1003))).toEqual(new Array(21).fill(0));
  });
});

describe('featurizer spec validation', () => {
  it('fills defaults and round-trips through JSON', () => {
    const spec = parseFeaturizerSpec({ layout: '32x32' });
    expect(spec).toEqual({ ...DEFAULT_FEATURIZER_SPEC, layout: '32x32' });
    expect(parseFeaturizerSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it.each([
    [{ version: 2 }, /unsupported spec version 2/],
    [{ kind: 'maccs' }, /unsupported featurizer kind "maccs"/],
    [{ nBits: 0 }, /nBits/],
    [{ layout: '16x16' }, /does not hold 1024 bits/],
    [{ radius: 2.5 }, /radius/],
    [{ colour: 'red' }, /unknown spec field "colour"/],
    [{ descriptors: { names: ['tpsa'], mean: [1], std: [0], clip: 3 } }, /std must be positive/],
    [[], /JSON object/],
  ])('refuses %j', (input, message) => {
    expect(() => parseFeaturizerSpec(input)).toThrow(message);
  });
});
