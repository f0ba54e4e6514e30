import { ChemVeilHttpClient, NetworkError, ProtocolError } from '@chemveil/core';
import { featurizeRecords, loadFeaturizer } from '@chemveil/featurizer/node';
import { FheClient } from '@chemveil/fhe-worker';
import { CliError, parseFlags } from '../cli-error.ts';
import { readMoleculeInput } from '../io.ts';
import { DECRYPTED_DECIMALS, predictionCsv, writeOutput, type RowOutcome } from '../predictions.ts';
import { ProgressBar } from '../progress.ts';
import { DEFAULT_SERVER, serverFailure } from './models.ts';

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new CliError(`${name} must be a positive integer, got "${text}"`);
  return value;
}

/**
 * `chemveil query --server URL --model ID -i INPUT -o OUTPUT.csv [--smiles-col COL] [--ciphertexts N]
 *  [--concurrency C]`: encrypted predictions for a file of molecules. Featurizes and encrypts here (the secret key
 * never leaves this process), packs B molecules per ciphertext and N ciphertexts per request, drives the plan's
 * partitions on the server (C requests in flight) and writes the input columns plus the predictions; rows that
 * failed (invalid SMILES, a refused request) carry an `error` instead.
 */
export async function queryCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    server: { type: 'string', default: process.env.CHEMVEIL_SERVER ?? DEFAULT_SERVER },
    model: { type: 'string', short: 'm' },
    input: { type: 'string', short: 'i' },
    output: { type: 'string', short: 'o' },
    'smiles-col': { type: 'string' },
    ciphertexts: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '2' },
    quiet: { type: 'boolean', short: 'q' },
    token: { type: 'string', default: process.env.CHEMVEIL_TOKEN },
  });
  if (!values.model) throw new CliError('missing --model ID (see chemveil models --server URL)');
  if (!values.input) throw new CliError('missing -i INPUT (a CSV, SMI or SDF file, or - for standard input)');
  if (!values.output) throw new CliError('missing -o OUTPUT.csv (or - for standard output)');
  const perRequest = positiveInteger('--ciphertexts', values.ciphertexts!);
  const concurrency = positiveInteger('--concurrency', values.concurrency!);
  const server = values.server!;
  const started = performance.now();

  const http = new ChemVeilHttpClient(server, { token: values.token });
  const model = await http.getModel(values.model).catch((error) => serverFailure(server, error));
  const file = await readMoleculeInput(values.input, values['smiles-col']);
  const featurized = featurizeRecords(await loadFeaturizer(), file.records, model.featurizer);
  const outcomes: RowOutcome[] = featurized.map((row) => (row.ok ? { raw: new Float64Array() } : { error: row.error }));
  const valid = featurized.flatMap((row, i) => (row.ok ? [{ index: i, features: row.features }] : []));

  const fhe = await FheClient.create(model.plan);
  const batchSize = Math.min(perRequest, model.limits.maxCiphertextsPerRequest) * model.plan.moleculesPerCiphertext;
  const progress = new ProgressBar(valid.length, model.id);
  let done = 0;
  let refused = 0;
  let next = 0;
  try {
    const worker = async () => {
      while (next < valid.length) {
        const batch = valid.slice(next, next + batchSize);
        next += batchSize;
        try {
          const raw = await http.query(
            model,
            fhe,
            batch.map((b) => b.features),
          );
          batch.forEach((b, j) => (outcomes[b.index] = { raw: raw[j]! }));
        } catch (error) {
          if (!(error instanceof ProtocolError || error instanceof NetworkError)) throw error;
          refused += batch.length;
          const code = error instanceof ProtocolError ? error.code : 'NETWORK';
          batch.forEach((b) => (outcomes[b.index] = { error: { code, message: error.message } }));
        }
        done += batch.length;
        if (!values.quiet) progress.update(done);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (!values.quiet) progress.finish();
    await http.closeSession(fhe);
    fhe.dispose();
  }
  // Decrypted values leave the process rounded (DECRYPTED_DECIMALS): see predictions.ts.
  await writeOutput(values.output, predictionCsv(file, model.head, outcomes, DECRYPTED_DECIMALS));
  const seconds = (performance.now() - started) / 1000;
  const predicted = valid.length - refused;
  process.stderr.write(
    `${predicted} of ${file.records.length} molecules predicted under encryption by ${server} ` +
      `(${file.records.length - valid.length} unreadable, ${refused} refused; ${seconds.toFixed(1)} s, ` +
      `${(predicted / seconds).toFixed(1)} molecules/s)\n`,
  );
  return refused > 0 ? 1 : 0;
}
