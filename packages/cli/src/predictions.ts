import { writeFile } from 'node:fs/promises';
import { applyOutputHead } from '@chemveil/core';
import type { OutputHead } from '@chemveil/core';
import { toCsv, type MoleculeFile } from '@chemveil/featurizer';
import { CliError } from './cli-error.ts';

/** One output row's outcome: the raw network outputs, or why the row has none. */
export type RowOutcome = { raw: Float64Array } | { error: { code: string; message: string } };

const suffix = (names: string[], i: number): string => (i === 0 ? '' : `_${names[i]}`);

/**
 * Prediction columns for a head: `prediction` (the value; for a classifier, the probability of the positive
 * class), then `probability` (of the predicted class) and `class` for classifiers. A head with several targets
 * repeats them with `_<name>` suffixes after the first.
 */
export function predictionColumns(head: OutputHead): string[] {
  if (head.kind === 'regression') {
    const names = head.targets.map((t) => t.name);
    return names.map((_, i) => `prediction${suffix(names, i)}`);
  }
  if (head.kind === 'binary') {
    const names = head.tasks.map((t) => t.name);
    return names.flatMap((_, i) => ['prediction', 'probability', 'class'].map((c) => c + suffix(names, i)));
  }
  return ['prediction', 'probability', 'class'];
}

/**
 * Decimals written for plaintext predictions. Decrypted (encrypted-path) predictions are written with
 * DECRYPTED_DECIMALS: CKKS decryptions carry noise that can reveal key material (Li–Micciancio), so values that
 * leave the client are rounded well above the noise (~1e-5) while staying within the 1e-3 accuracy promise.
 */
export const PLAINTEXT_DECIMALS = 6;
export const DECRYPTED_DECIMALS = 4;

export function predictionCells(head: OutputHead, raw: Float64Array, decimals = PLAINTEXT_DECIMALS): string[] {
  const number = (x: number): string => String(Number(x.toFixed(decimals)));
  const prediction = applyOutputHead(head, raw);
  if (prediction.kind === 'regression') return prediction.values.map((v) => number(v.value));
  if (prediction.kind === 'binary') {
    return prediction.tasks.flatMap((t) => [
      number(t.probability),
      number(Math.max(t.probability, 1 - t.probability)),
      t.label,
    ]);
  }
  const best = prediction.probabilities.find((p) => p.label === prediction.label)!;
  return [number(best.probability), number(best.probability), prediction.label];
}

/** The input columns, then the prediction columns, then `error` ("CODE: message"); one row per input record. */
export function predictionCsv(
  file: MoleculeFile,
  head: OutputHead,
  outcomes: RowOutcome[],
  decimals = PLAINTEXT_DECIMALS,
): string {
  const columns = predictionColumns(head);
  // An input column that clashes with ours keeps its name; ours win the header only once.
  const header = [...file.columns, ...columns, 'error'];
  const rows = file.records.map((record, i) => {
    const inputs = file.columns.map((c) => record.fields[c] ?? '');
    const outcome = outcomes[i]!;
    if ('raw' in outcome) return [...inputs, ...predictionCells(head, outcome.raw, decimals), ''];
    return [...inputs, ...columns.map(() => ''), `${outcome.error.code}: ${outcome.error.message}`];
  });
  return toCsv(header, rows);
}

export async function writeOutput(path: string, text: string): Promise<void> {
  if (path === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 1);
  }
}
