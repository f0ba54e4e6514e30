import {
  featureLength,
  forwardWithActivations,
  parseFeaturizerSpec,
  applyOutputHead,
  BUNDLE_FORMAT_VERSION,
  type FeaturizerSpec,
  type Layer,
  type ModelBundle,
  type OutputHead,
} from '@chemveil/core';
import type { Featurizer } from '@chemveil/featurizer/node';
import { loadLabelledCsv, DatasetError, type LabelledDataset } from './dataset.ts';
import { classificationMetrics, regressionMetrics } from './metrics.ts';
import { PRESETS, VEIL_ACTIVATION, type ArchitecturePreset } from './presets.ts';
import { randomSplit, scaffoldSplit, type Split, type SplitKind } from './split.ts';
import { trainNetwork, type LearningCurvePoint, type Task, type TrainingData } from './trainer.ts';

export interface TrainOptions {
  data: string;
  smilesColumn?: string;
  targetColumn: string;
  task: Task;
  /** Classification from a numeric column: value ≥ threshold is positive (or value < threshold with positiveBelow). */
  threshold?: number;
  positiveBelow?: boolean;
  arch: string;
  split: SplitKind;
  seed: number;
  name?: string;
  /** Units of a regression target, shown to chemists. */
  units?: string;
  labels?: { positive: string; negative: string };
  /** Hyper-parameter overrides on top of the preset (experiments; the zoo uses presets as they are). */
  overrides?: Partial<
    Pick<
      ArchitecturePreset,
      'hidden' | 'epochs' | 'patience' | 'batchSize' | 'learningRate' | 'l2' | 'inputDropout' | 'logitPenalty'
    >
  >;
  onEpoch?: (point: LearningCurvePoint) => void;
}

export interface TrainingReport {
  dataset: { path: string; rows: number; used: number; rejected: LabelledDataset['rejected'] };
  preset: string;
  task: Task;
  split: { kind: SplitKind; seed: number; train: number; valid: number; test: number };
  /** Held-out test metrics of the plaintext float64 model. */
  testMetrics: Record<string, number>;
  validMetrics: Record<string, number>;
  learningCurve: LearningCurvePoint[];
  bestEpoch: number;
  seconds: number;
  /** Test-set predictions, row for row (for parity plots and ROC curves). */
  testPredictions: { row: number; truth: number; predicted: number }[];
  /** Test-set feature vectors, for the encrypted re-check through the engine. */
  testFeatures: Float32Array[];
}

const DESCRIPTOR_CLIP = 5;

function fitDescriptorStats(
  featurizer: Featurizer,
  smiles: string[],
  names: string[],
  spec: Omit<FeaturizerSpec, 'descriptors'>,
) {
  const sums = new Float64Array(names.length);
  const squares = new Float64Array(names.length);
  for (const s of smiles) {
    const all = featurizer.descriptors(s, spec.standardize);
    names.forEach((name, j) => {
      sums[j] += all[name];
      squares[j] += all[name] ** 2;
    });
  }
  const mean = Array.from(sums, (x) => x / smiles.length);
  const std = Array.from(squares, (x, j) => Math.sqrt(Math.max(x / smiles.length - mean[j] ** 2, 0)) || 1);
  return { names, mean, std, clip: DESCRIPTOR_CLIP };
}

function buildData(
  featurizer: Featurizer,
  spec: FeaturizerSpec,
  molecules: LabelledDataset['molecules'],
  indices: number[],
  target: (value: number) => number,
): TrainingData {
  const inputLength = featureLength(spec);
  const features = new Float32Array(indices.length * inputLength);
  const targets = new Float32Array(indices.length);
  indices.forEach((index, k) => {
    features.set(featurizer.featurize(molecules[index].smiles, spec), k * inputLength);
    targets[k] = target(molecules[index].value);
  });
  return { features, inputLength, targets };
}

/** Trains one model from a CSV: featurize, split, train, evaluate on the held-out test split, bundle. */
export async function trainModel(
  featurizer: Featurizer,
  options: TrainOptions,
): Promise<{ bundle: ModelBundle; report: TrainingReport }> {
  const started = performance.now();
  const named: ArchitecturePreset | undefined = PRESETS[options.arch];
  if (!named)
    throw new DatasetError(`unknown architecture "${options.arch}"; choose one of: ${Object.keys(PRESETS).join(', ')}`);
  const preset: ArchitecturePreset = { ...named, ...options.overrides };
  const dataset = loadLabelledCsv(featurizer, options.data, {
    smilesColumn: options.smilesColumn,
    targetColumn: options.targetColumn,
    standardize: preset.featurizer.standardize,
  });
  const molecules = dataset.molecules;
  if (molecules.length < 30)
    throw new DatasetError(`only ${molecules.length} usable molecules: too few to train and test`);
  const split: Split =
    options.split === 'scaffold'
      ? scaffoldSplit(
          molecules.map((m) => featurizer.scaffold(m.smiles)),
          options.seed,
        )
      : randomSplit(molecules.length, options.seed);

  const label = (value: number): number => {
    if (options.threshold === undefined) {
      if (value !== 0 && value !== 1)
        throw new DatasetError(`classification target ${value} is not 0/1: give --threshold`);
      return value;
    }
    return (options.positiveBelow ? value < options.threshold : value >= options.threshold) ? 1 : 0;
  };
  const trainValues = split.train.map((i) => molecules[i].value);
  const targetMean = trainValues.reduce((a, b) => a + b, 0) / trainValues.length;
  const targetStd = Math.sqrt(trainValues.reduce((a, b) => a + (b - targetMean) ** 2, 0) / trainValues.length) || 1;
  const target = options.task === 'regression' ? (v: number) => (v - targetMean) / targetStd : label;

  const spec = parseFeaturizerSpec({
    ...preset.featurizer,
    ...(preset.descriptorNames.length > 0
      ? {
          descriptors: fitDescriptorStats(
            featurizer,
            split.train.map((i) => molecules[i].smiles),
            preset.descriptorNames,
            preset.featurizer,
          ),
        }
      : {}),
  });
  const [train, valid, test] = [split.train, split.valid, split.test].map((ix) =>
    buildData(featurizer, spec, molecules, ix, target),
  );
  const network = await trainNetwork(train, valid, {
    task: options.task,
    hidden: preset.hidden,
    activation: VEIL_ACTIVATION,
    epochs: preset.epochs,
    patience: preset.patience,
    batchSize: preset.batchSize,
    learningRate: preset.learningRate,
    l2: preset.l2,
    inputDropout: preset.inputDropout,
    dropoutFeatures: spec.nBits,
    logitPenalty: preset.logitPenalty,
    seed: options.seed,
    onEpoch: options.onEpoch,
  });

  const layers: Layer[] = [];
  network.dense.forEach((d, i) => {
    layers.push({ kind: 'dense', ...d });
    if (i < network.dense.length - 1) layers.push({ kind: 'poly2', ...VEIL_ACTIVATION });
  });
  const targetName = options.targetColumn;
  const head: OutputHead =
    options.task === 'regression'
      ? {
          kind: 'regression',
          targets: [{ name: targetName, units: options.units ?? '', mean: targetMean, std: targetStd }],
        }
      : {
          kind: 'binary',
          tasks: [
            {
              name: targetName,
              positiveLabel: options.labels?.positive ?? 'positive',
              negativeLabel: options.labels?.negative ?? 'negative',
            },
          ],
        };
  const inputLength = featureLength(spec);
  const network64 = { inputShape: [inputLength], layers };

  // Evaluate in float64 through the reference forward pass: the very function encrypted results are checked against.
  const evaluate = (data: TrainingData, indices: number[]) => {
    const predicted: number[] = [];
    const truth: number[] = [];
    indices.forEach((index, k) => {
      const raw = forwardWithActivations(network64, data.features.subarray(k * inputLength, (k + 1) * inputLength)).at(
        -1,
      )!;
      const prediction = applyOutputHead(head, raw);
      predicted.push(
        prediction.kind === 'regression'
          ? prediction.values[0].value
          : prediction.kind === 'binary'
            ? prediction.tasks[0].probability
            : 0,
      );
      truth.push(options.task === 'regression' ? molecules[index].value : data.targets[k]);
    });
    const metrics =
      options.task === 'regression' ? regressionMetrics(truth, predicted) : classificationMetrics(truth, predicted);
    return { metrics: metrics as Record<string, number>, predicted, truth };
  };
  const activationRanges = layers.map(() => ({ min: Infinity, max: -Infinity }));
  for (let k = 0; k < split.train.length; k++) {
    forwardWithActivations(network64, train.features.subarray(k * inputLength, (k + 1) * inputLength)).forEach(
      (out, i) => {
        for (const v of out) {
          if (v < activationRanges[i].min) activationRanges[i].min = v;
          if (v > activationRanges[i].max) activationRanges[i].max = v;
        }
      },
    );
  }
  const testResult = evaluate(test, split.test);
  const validResult = evaluate(valid, split.valid);

  const bundle: ModelBundle = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    name: options.name ?? `${targetName} (${preset.name})`,
    featurizer: spec,
    inputLength,
    inputShape: [inputLength],
    layers,
    head,
    metrics: testResult.metrics,
    activationRanges,
    provenance: {
      createdAt: new Date().toISOString(),
      producer: `chemveil train (${preset.name})`,
      dataset: options.data.split('/').at(-1),
      seed: options.seed,
    },
  };
  const report: TrainingReport = {
    dataset: {
      path: options.data,
      rows: molecules.length + dataset.rejected.length,
      used: molecules.length,
      rejected: dataset.rejected,
    },
    preset: preset.name,
    task: options.task,
    split: {
      kind: options.split,
      seed: options.seed,
      train: split.train.length,
      valid: split.valid.length,
      test: split.test.length,
    },
    testMetrics: testResult.metrics,
    validMetrics: validResult.metrics,
    learningCurve: network.curve,
    bestEpoch: network.bestEpoch,
    seconds: (performance.now() - started) / 1000,
    testPredictions: split.test.map((index, k) => ({
      row: molecules[index].row,
      truth: testResult.truth[k],
      predicted: testResult.predicted[k],
    })),
    testFeatures: split.test.map((_, k) => test.features.slice(k * inputLength, (k + 1) * inputLength)),
  };
  return { bundle, report };
}
