import { InvalidFeaturizerSpecError, parseFeaturizerSpec, type FeaturizerSpec } from '@chemveil/core';
import { bitsToHex, loadFeaturizer, toMoleculeErrorInfo } from '@chemveil/featurizer/node';
import { CliError, parseFlags } from '../cli-error.ts';
import { readMoleculeInput } from '../io.ts';

/**
 * `chemveil featurize -i <file|->`: one JSON line per input molecule, in input order:
 *   { input, ok: true, canonicalSmiles, inchiKey, numAtoms, morganR2_1024, parent, [features] }
 *   { input, ok: false, error: { code, message } }
 * morganR2_1024 is the Morgan radius-2 1024-bit vector of the molecule as given (hex, bit i = bit i%8 of byte i/8),
 * comparable with the Python RDKit. `parent` is what models see after standardization; with --spec the model
 * input vector that spec produces is added as `features`.
 */
export async function featurizeCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    input: { type: 'string', short: 'i' },
    spec: { type: 'string' },
    'smiles-col': { type: 'string' },
  });
  if (!values.input) throw new CliError('missing -i <file|-> (a CSV, SMI or SDF file, or - for standard input)');
  let spec: FeaturizerSpec | undefined;
  if (values.spec !== undefined) {
    try {
      spec = parseFeaturizerSpec(JSON.parse(values.spec));
    } catch (error) {
      if (error instanceof InvalidFeaturizerSpecError || error instanceof SyntaxError) {
        throw new CliError(`invalid --spec: ${error.message}`);
      }
      throw error;
    }
  }
  const file = await readMoleculeInput(values.input, values['smiles-col']);
  const featurizer = await loadFeaturizer();
  const out: string[] = [];
  let failed = 0;
  for (const record of file.records) {
    const input = record.molecule;
    let line: object;
    try {
      if (record.error) throw Object.assign(new Error(record.error.message), { info: record.error });
      const description = featurizer.describe(input, spec?.standardize ?? 'largest-organic-fragment');
      line = {
        input,
        ok: true,
        canonicalSmiles: description.canonicalSmiles,
        inchiKey: description.inchiKey,
        numAtoms: description.numAtoms,
        morganR2_1024: bitsToHex(featurizer.morganBits(input, 2, 1024, 'none')),
        parent: description.parent,
        ...(spec ? { features: Array.from(featurizer.featurize(input, spec), (x) => Math.round(x * 1e6) / 1e6) } : {}),
      };
    } catch (error) {
      failed++;
      const info = (error as { info?: ReturnType<typeof toMoleculeErrorInfo> }).info ?? toMoleculeErrorInfo(error);
      line = { input, ok: false, row: record.row, error: info };
    }
    out.push(JSON.stringify(line));
    if (out.length >= 256) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
  if (failed > 0) process.stderr.write(`${failed} of ${file.records.length} molecules could not be read\n`);
  return 0;
}
