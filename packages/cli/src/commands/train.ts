import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serializeBundle } from '@chemveil/core';
import { loadFeaturizer } from '@chemveil/featurizer/node';
import { referenceForward } from '@chemveil/core';
import {
  DatasetError,
  DEFAULT_PRESET,
  encryptedPredictions,
  PRESETS,
  trainModel,
  type SplitKind,
  type Task,
} from '@chemveil/training';
import { CliError, parseFlags } from '../cli-error.ts';

/**
 * `chemveil train --data FILE.csv --smiles-col COL --target-col COL --task regression|classification
 *  [--threshold T [--positive-below]] [--arch NAME] [--split random|scaffold] [--seed S] [--units U] -o BUNDLE`
 * Writes the model bundle and BUNDLE.report.json (test metrics, learning curve, rejected rows).
 */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    data: { type: 'string' },
    'smiles-col': { type: 'string' },
    'target-col': { type: 'string' },
    task: { type: 'string' },
    threshold: { type: 'string' },
    'positive-below': { type: 'boolean' },
    arch: { type: 'string', default: DEFAULT_PRESET },
    split: { type: 'string', default: 'random' },
    seed: { type: 'string', default: '1' },
    units: { type: 'string' },
    name: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (!values.data) throw new CliError('missing --data FILE.csv');
  if (!values['target-col']) throw new CliError('missing --target-col COL');
  if (!values.output) throw new CliError('missing -o BUNDLE (where to write the model bundle)');
  if (values.task !== 'regression' && values.task !== 'classification') {
    throw new CliError('--task must be regression or classification');
  }
  if (!(values.arch! in PRESETS))
    throw new CliError(`unknown --arch "${values.arch}"; choose: ${Object.keys(PRESETS).join(', ')}`);
  if (values.split !== 'random' && values.split !== 'scaffold')
    throw new CliError('--split must be random or scaffold');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new CliError('--seed must be a non-negative integer');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !Number.isFinite(threshold)) throw new CliError('--threshold must be a number');

  const featurizer = await loadFeaturizer();
  try {
    const { bundle, report } = await trainModel(featurizer, {
      data: values.data,
      smilesColumn: values['smiles-col'],
      targetColumn: values['target-col'],
      task: values.task as Task,
      threshold,
      positiveBelow: values['positive-below'],
      arch: values.arch!,
      split: values.split as SplitKind,
      seed,
      units: values.units,
      name: values.name,
      onEpoch: ({ epoch, trainLoss, validLoss }) =>
        process.stderr.write(
          `\repoch ${epoch}: train loss ${trainLoss.toFixed(4)}, valid loss ${validLoss.toFixed(4)}   `,
        ),
    });
    process.stderr.write('\nchecking encrypted predictions through the engine…\n');
    // The encrypted-vs-plaintext check of the final model, on (up to 64 of) its test molecules.
    const checked = report.testFeatures.slice(0, 64);
    const check = await encryptedPredictions(bundle, checked);
    let maxAbsError = 0;
    check.outputs.forEach((raw, m) =>
      referenceForward(bundle, checked[m]).forEach(
        (y, i) => (maxAbsError = Math.max(maxAbsError, Math.abs(raw[i] - y))),
      ),
    );
    const encryptedCheck = {
      molecules: checked.length,
      maxAbsError,
      polyModulusDegree: check.plan.parameters.polyModulusDegree,
      partitions: check.plan.partitions.length,
      evaluationKeyBytes: check.evaluationKeyBytes,
    };
    mkdirSync(dirname(values.output), { recursive: true });
    writeFileSync(values.output, serializeBundle(bundle));
    const { testFeatures: _features, ...summary } = report;
    writeFileSync(`${values.output}.report.json`, JSON.stringify({ ...summary, encryptedCheck }, null, 2) + '\n');
    for (const rejected of report.dataset.rejected) {
      process.stderr.write(`row ${rejected.row} skipped (${rejected.error.code}): ${rejected.error.message}\n`);
    }
    const metrics = Object.entries(report.testMetrics).map(([k, v]) => `${k} ${v.toFixed(3)}`);
    process.stdout.write(
      `${bundle.name}: ${report.dataset.used} molecules (${report.dataset.rejected.length} rejected), ` +
        `${report.split.kind} split ${report.split.train}/${report.split.valid}/${report.split.test}, ` +
        `test ${metrics.join(', ')} (best epoch ${report.bestEpoch}, ${report.seconds.toFixed(1)} s); ` +
        `encrypted vs plaintext max |error| ${maxAbsError.toExponential(2)} on ${checked.length} test molecules\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(error.message, 1);
    throw error;
  }
}
