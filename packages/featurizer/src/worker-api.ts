import type { FeaturizerSpec } from '@chemveil/core';
import { toMoleculeErrorInfo } from './batch.ts';
import type { MoleculeErrorInfo } from './errors.ts';
import { MoleculeFileError, readMoleculeFile, type MoleculeFile, type MoleculeRecord } from './files/index.ts';
import { bitsToHex, type DepictionOptions, type Featurizer, type MoleculeDescription } from './featurizer.ts';

export type InspectResult =
  | {
      ok: true;
      description: MoleculeDescription;
      /** Depiction of the parent molecule (what the model sees). */
      svg: string;
      /** Morgan radius-2 1024-bit vector of the molecule as given, hex (same format as `chemveil featurize`). */
      morganR2_1024: string;
      rdkitVersion: string;
    }
  | { ok: false; error: MoleculeErrorInfo };

/** A file's record after validation: its canonical SMILES (of the parent, what a model sees) or its error. */
export type ValidatedRecord = Omit<MoleculeRecord, 'error'> &
  ({ ok: true; canonicalSmiles: string } | { ok: false; error: MoleculeErrorInfo });

export type ReadFileResult =
  | ({ ok: true; records: ValidatedRecord[] } & Omit<MoleculeFile, 'records'>)
  | { ok: false; error: { code: string; message: string } };

export type FeaturizeResult = { ok: true; features: Float32Array } | { ok: false; error: MoleculeErrorInfo };

/**
 * What a featurizer worker exposes (through comlink): plain data in, plain data out; errors come back as values so
 * their codes survive the thread boundary. The web app's worker is `expose(createFeaturizerApi(load))`.
 */
export function createFeaturizerApi(load: () => Promise<Featurizer>) {
  return {
    async inspect(input: string, depiction: DepictionOptions = {}): Promise<InspectResult> {
      const featurizer = await load();
      try {
        const description = featurizer.describe(input);
        return {
          ok: true,
          description,
          svg: featurizer.depict(input, depiction, 'largest-organic-fragment'),
          morganR2_1024: bitsToHex(featurizer.morganBits(input, 2, 1024, 'none')),
          rdkitVersion: featurizer.rdkitVersion,
        };
      } catch (error) {
        return { ok: false, error: toMoleculeErrorInfo(error) };
      }
    },

    async featurize(inputs: string[], spec: FeaturizerSpec): Promise<FeaturizeResult[]> {
      const featurizer = await load();
      return inputs.map((input) => {
        try {
          return { ok: true, features: featurizer.featurize(input, spec) };
        } catch (error) {
          return { ok: false, error: toMoleculeErrorInfo(error) };
        }
      });
    },

    /** Reads a CSV/SMI/SDF file and validates every record (nothing dropped: bad rows carry their error). */
    async readMoleculeFile(text: string, fileName?: string): Promise<ReadFileResult> {
      const featurizer = await load();
      let file: MoleculeFile;
      try {
        file = readMoleculeFile(text, { fileName });
      } catch (error) {
        if (error instanceof MoleculeFileError)
          return { ok: false, error: { code: error.code, message: error.message } };
        throw error;
      }
      const records = file.records.map(({ error: recordError, ...record }): ValidatedRecord => {
        if (recordError) return { ...record, ok: false, error: recordError };
        try {
          const canonicalSmiles = featurizer.withMolecule(record.molecule, 'largest-organic-fragment', (mol) =>
            mol.get_smiles(),
          );
          return { ...record, ok: true, canonicalSmiles };
        } catch (error) {
          return { ...record, ok: false, error: toMoleculeErrorInfo(error) };
        }
      });
      return { ok: true, format: file.format, columns: file.columns, moleculeColumn: file.moleculeColumn, records };
    },
  };
}

export type FeaturizerApi = ReturnType<typeof createFeaturizerApi>;
