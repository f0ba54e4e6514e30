import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidBundleError, parseBundle, referenceForward } from '@chemveil/core';
import type { ModelBundle } from '@chemveil/core';
import { featurizeRecords, loadFeaturizer } from '@chemveil/featurizer/node';
import { CliError, parseFlags } from '../cli-error.ts';
import { readMoleculeInput } from '../io.ts';
import { predictionCsv, writeOutput, type RowOutcome } from '../predictions.ts';

const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../../../models', import.meta.url));

async function readBundle(path: string): Promise<ModelBundle> {
  try {
    return parseBundle(new Uint8Array(await readFile(path)));
  } catch (error) {
    if (error instanceof InvalidBundleError) throw new CliError(`${path}: ${error.message}`, 1);
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 1);
  }
}

/** A bundle by path, or by model id in the models directory (its card id, or its file stem). */
export async function resolveBundle(model: string, modelsDir: string): Promise<ModelBundle> {
  if (model.endsWith('.cvmb') || existsSync(model)) return readBundle(model);
  const files = await readdir(modelsDir).catch(() => [] as string[]);
  const ids: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.cvmb')).sort()) {
    const bundle = await readBundle(join(modelsDir, file)).catch(() => undefined);
    if (!bundle) continue;
    const id = bundle.card?.id ?? basename(file, '.cvmb');
    if (id === model) return bundle;
    ids.push(id);
  }
  throw new CliError(`no model "${model}" in ${modelsDir}${ids.length ? `; there are: ${ids.join(', ')}` : ''}`, 1);
}

/**
 * `chemveil predict --model ID|BUNDLE [--models DIR] -i INPUT -o OUTPUT.csv [--smiles-col COL]`: the same CSV as
 * `chemveil query`, computed in plaintext from the bundle (for model owners, tests and comparisons).
 */
export async function predictCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string', short: 'm' },
    models: { type: 'string', default: process.env.CHEMVEIL_MODELS_DIR ?? DEFAULT_MODELS_DIR },
    input: { type: 'string', short: 'i' },
    output: { type: 'string', short: 'o' },
    'smiles-col': { type: 'string' },
  });
  if (!values.model) throw new CliError('missing --model ID (a model id in --models DIR, or a .cvmb bundle path)');
  if (!values.input) throw new CliError('missing -i INPUT (a CSV, SMI or SDF file, or - for standard input)');
  if (!values.output) throw new CliError('missing -o OUTPUT.csv (or - for standard output)');
  const bundle = await resolveBundle(values.model, values.models!);
  const file = await readMoleculeInput(values.input, values['smiles-col']);
  const featurized = featurizeRecords(await loadFeaturizer(), file.records, bundle.featurizer);
  const outcomes: RowOutcome[] = featurized.map((row) =>
    row.ok ? { raw: referenceForward(bundle, row.features) } : { error: row.error },
  );
  await writeOutput(values.output, predictionCsv(file, bundle.head, outcomes));
  const failed = outcomes.filter((o) => 'error' in o).length;
  process.stderr.write(`${file.records.length - failed} of ${file.records.length} molecules predicted (plaintext)\n`);
  return 0;
}
