import { readFileSync } from 'node:fs';
import type { FeaturizerSpec } from '@chemveil/core';
import {
  readCsvMolecules,
  toMoleculeErrorInfo,
  type Featurizer,
  type MoleculeErrorInfo,
  MoleculeFileError,
} from '@chemveil/featurizer/node';

export interface LabelledMolecule {
  /** 1-based data row in the CSV. */
  row: number;
  smiles: string;
  /** Parent molecule's canonical SMILES (after standardization). */
  canonicalSmiles: string;
  value: number;
}

export interface LabelledDataset {
  molecules: LabelledMolecule[];
  /** Rows that could not be used, with why: reported, never silently dropped. */
  rejected: { row: number; smiles: string; error: MoleculeErrorInfo }[];
}

export interface LabelledCsvOptions {
  smilesColumn?: string;
  targetColumn: string;
  standardize: FeaturizerSpec['standardize'];
}

export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Reads (SMILES, target) rows; invalid SMILES and missing or non-numeric targets are reported per row. */
export function loadLabelledCsv(featurizer: Featurizer, path: string, options: LabelledCsvOptions): LabelledDataset {
  let file;
  try {
    file = readCsvMolecules(readFileSync(path, 'utf8'), options.smilesColumn);
  } catch (error) {
    if (error instanceof MoleculeFileError) throw new DatasetError(`${path}: ${error.message}`);
    throw error;
  }
  if (!file.columns.includes(options.targetColumn)) {
    throw new DatasetError(
      `${path}: no target column "${options.targetColumn}"; the columns are: ${file.columns.join(', ')}`,
    );
  }
  const dataset: LabelledDataset = { molecules: [], rejected: [] };
  for (const record of file.records) {
    const raw = record.fields[options.targetColumn]?.trim() ?? '';
    const value = raw === '' ? Number.NaN : Number(raw);
    if (record.error) {
      dataset.rejected.push({ row: record.row, smiles: record.molecule, error: record.error });
      continue;
    }
    if (!Number.isFinite(value)) {
      const error = { code: 'MALFORMED_ROW' as const, message: `target "${raw}" is not a number` };
      dataset.rejected.push({ row: record.row, smiles: record.molecule, error });
      continue;
    }
    try {
      const canonicalSmiles = featurizer.withMolecule(record.molecule, options.standardize, (mol) => mol.get_smiles());
      dataset.molecules.push({ row: record.row, smiles: record.molecule, canonicalSmiles, value });
    } catch (error) {
      dataset.rejected.push({ row: record.row, smiles: record.molecule, error: toMoleculeErrorInfo(error) });
    }
  }
  return dataset;
}
