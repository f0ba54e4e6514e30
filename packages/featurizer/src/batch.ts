import type { FeaturizerSpec } from '@chemveil/core';
import { MoleculeError, type MoleculeErrorInfo } from './errors.ts';
import type { Featurizer } from './featurizer.ts';
import type { MoleculeRecord } from './files/index.ts';

export type FeaturizedRecord =
  | { record: MoleculeRecord; ok: true; canonicalSmiles: string; features: Float32Array }
  | { record: MoleculeRecord; ok: false; error: MoleculeErrorInfo };

/** Turns any thrown value into the plain error shape rows carry; only MoleculeErrors are expected here. */
export function toMoleculeErrorInfo(error: unknown): MoleculeErrorInfo {
  if (error instanceof MoleculeError) return error.toInfo();
  return { code: 'RDKIT_FAILURE', message: error instanceof Error ? error.message : String(error) };
}

/** Featurizes every record; each yields features or its row-numbered error, in order. Nothing is dropped. */
export function featurizeRecords(
  featurizer: Featurizer,
  records: MoleculeRecord[],
  spec: FeaturizerSpec,
): FeaturizedRecord[] {
  return records.map((record): FeaturizedRecord => {
    if (record.error) return { record, ok: false, error: record.error };
    try {
      return featurizer.withMolecule(record.molecule, spec.standardize, (mol) => ({
        record,
        ok: true as const,
        canonicalSmiles: mol.get_smiles(),
        features: featurizer.featuresOf(mol, spec),
      }));
    } catch (error) {
      return { record, ok: false, error: toMoleculeErrorInfo(error) };
    }
  });
}
