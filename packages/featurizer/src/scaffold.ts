import type { RDKitMol } from './rdkit.ts';

/**
 * Bemis–Murcko framework of a molecule as a V2000 molblock: ring systems and the linkers between them, with every
 * side chain (and exocyclic atom) pruned by repeatedly removing atoms of degree ≤ 1. Returns null for acyclic
 * molecules, which all share the empty scaffold. Works on RDKit's own (kekulized) molblock, so the caller can
 * re-parse it to get a canonical SMILES key.
 */
export function murckoFrameworkMolblock(mol: RDKitMol): string | null {
  const lines = mol.get_molblock().split('\n');
  const counts = lines[3] ?? '';
  const atomCount = Number(counts.slice(0, 3));
  const bondCount = Number(counts.slice(3, 6));
  if (!(atomCount > 0) || !counts.includes('V2000')) return null;
  const atomLines = lines.slice(4, 4 + atomCount);
  const bondLines = lines.slice(4 + atomCount, 4 + atomCount + bondCount);
  const bonds = bondLines.map((line) => [Number(line.slice(0, 3)) - 1, Number(line.slice(3, 6)) - 1] as const);
  const degree = new Array<number>(atomCount).fill(0);
  for (const [a, b] of bonds) {
    degree[a]++;
    degree[b]++;
  }
  const alive = new Array<boolean>(atomCount).fill(true);
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < atomCount; i++) {
      if (!alive[i] || degree[i] > 1) continue;
      alive[i] = false;
      changed = true;
      for (const [a, b] of bonds) {
        if (a === i && alive[b]) degree[b]--;
        else if (b === i && alive[a]) degree[a]--;
      }
    }
  }
  const index = new Array<number>(atomCount).fill(-1);
  let kept = 0;
  for (let i = 0; i < atomCount; i++) if (alive[i]) index[i] = ++kept;
  if (kept === 0) return null;
  const pad = (n: number) => String(n).padStart(3, ' ');
  const keptBonds = bondLines.flatMap((line, j) => {
    const [a, b] = bonds[j];
    return alive[a] && alive[b] ? [pad(index[a]) + pad(index[b]) + line.slice(6)] : [];
  });
  return [
    '',
    '  scaffold',
    '',
    pad(kept) + pad(keptBonds.length) + counts.slice(6),
    ...atomLines.filter((_, i) => alive[i]),
    ...keptBonds,
    'M  END',
    '',
  ].join('\n');
}
