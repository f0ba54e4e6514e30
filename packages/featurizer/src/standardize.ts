import type { RDKitModule, RDKitMol } from './rdkit.ts';

/** Counts carbons in a SMILES string: bracket atoms by element symbol, organic-subset C/c elsewhere (not Cl). */
export function carbonCount(smiles: string): number {
  let count = 0;
  for (let i = 0; i < smiles.length; i++) {
    const ch = smiles[i];
    if (ch === '[') {
      const close = smiles.indexOf(']', i);
      const atom = /^\[\d*([A-Z][a-z]?|[a-z]{1,2})/.exec(smiles.slice(i, close + 1));
      if (atom && (atom[1] === 'C' || atom[1] === 'c')) count++;
      i = close;
    } else if (ch === 'c' || (ch === 'C' && smiles[i + 1] !== 'l')) {
      count++;
    }
  }
  return count;
}

export interface Fragment {
  smiles: string;
  heavyAtoms: number;
  carbons: number;
}

/**
 * The standardization rule `largest-organic-fragment`: among the fragments, keep the one with the most heavy atoms
 * among those that contain carbon (salts, counter-ions, water and metals dropped); if none has carbon, the largest
 * fragment. Ties go to the lexicographically smallest canonical SMILES, so the choice never depends on input order.
 */
export function chooseParentFragment(fragments: Fragment[]): number {
  let best = -1;
  const better = (a: Fragment, b: Fragment): boolean => {
    const organicA = a.carbons > 0;
    const organicB = b.carbons > 0;
    if (organicA !== organicB) return organicA;
    if (a.heavyAtoms !== b.heavyAtoms) return a.heavyAtoms > b.heavyAtoms;
    return a.smiles < b.smiles;
  };
  fragments.forEach((fragment, i) => {
    if (best < 0 || better(fragment, fragments[best])) best = i;
  });
  return best;
}

/**
 * Splits a multi-fragment molecule and returns the parent fragment as a new Mol (caller deletes it) plus the
 * canonical SMILES of what was removed. Returns null when the molecule has a single fragment.
 */
export function extractParentFragment(
  rdkit: RDKitModule,
  mol: RDKitMol,
): { parent: RDKitMol; removed: string[] } | null {
  const { molList } = mol.get_frags() as {
    molList: { size(): number; at(i: number): RDKitMol | null; delete(): void };
  };
  const mols: RDKitMol[] = [];
  try {
    for (let i = 0; i < molList.size(); i++) {
      const fragment = molList.at(i);
      if (fragment) mols.push(fragment);
    }
    if (mols.length <= 1) return null;
    const fragments = mols.map((m) => {
      const smiles = m.get_smiles();
      return { smiles, heavyAtoms: m.get_num_atoms(true), carbons: carbonCount(smiles) };
    });
    const chosen = chooseParentFragment(fragments);
    const parent = rdkit.get_mol_copy(mols[chosen]);
    if (!parent) return null;
    return { parent, removed: fragments.filter((_, i) => i !== chosen).map((f) => f.smiles) };
  } finally {
    for (const m of mols) m.delete();
    molList.delete();
  }
}
