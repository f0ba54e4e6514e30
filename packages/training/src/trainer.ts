import { seededRandom, shuffledIndices } from './random.ts';
import { readyTensorflow, tf } from './tensorflow.ts';

export type Task = 'regression' | 'classification';

export interface TrainingData {
  /** Row-major features, `count × inputLength`. */
  features: Float32Array;
  inputLength: number;
  /** Targets: standardized values (regression) or 0/1 labels (classification). */
  targets: Float32Array;
}

export interface TrainerOptions {
  task: Task;
  hidden: number[];
  activation: { a: number; b: number; c: number };
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  inputDropout: number;
  /** Dropout applies to the first `dropoutFeatures` inputs only (fingerprint bits; descriptors are never dropped). */
  dropoutFeatures?: number;
  logitPenalty: number;
  seed: number;
  /** Called after each epoch (progress bars, learning curves). */
  onEpoch?: (point: LearningCurvePoint) => void;
}

export interface LearningCurvePoint {
  epoch: number;
  trainLoss: number;
  validLoss: number;
}

/** A trained dense layer in bundle order: weight is `outFeatures × inFeatures`, row-major. */
export interface TrainedDense {
  inFeatures: number;
  outFeatures: number;
  weight: Float64Array;
  bias: Float64Array;
}

export interface TrainedNetwork {
  dense: TrainedDense[];
  curve: LearningCurvePoint[];
  bestEpoch: number;
}

/** Glorot-uniform weights from our own seeded generator (tfjs's initializers would not be reproducible across runs). */
function glorot(inFeatures: number, outFeatures: number, random: () => number): Float32Array {
  const limit = Math.sqrt(6 / (inFeatures + outFeatures));
  return Float32Array.from({ length: inFeatures * outFeatures }, () => (random() * 2 - 1) * limit);
}

/**
 * Trains dense → act → … → dense with Adam, seeded shuffling and seeded input dropout, and keeps the weights of the
 * epoch with the lowest validation loss (early stopping). The activation is the same polynomial the encrypted
 * circuit evaluates.
 */
export async function trainNetwork(
  train: TrainingData,
  valid: TrainingData,
  options: TrainerOptions,
): Promise<TrainedNetwork> {
  await readyTensorflow();
  const random = seededRandom(options.seed);
  const widths = [train.inputLength, ...options.hidden, 1];
  const weights = widths
    .slice(1)
    .map((out, i) => tf.variable(tf.tensor2d(glorot(widths[i], out, random), [widths[i], out])));
  const biases = widths.slice(1).map((out) => tf.variable(tf.zeros([out])));
  const { a, b, c } = options.activation;
  const forward = (x: tf.Tensor2D): tf.Tensor2D => {
    let h: tf.Tensor2D = x;
    weights.forEach((w, i) => {
      h = tf.add(tf.matMul(h, w), biases[i]);
      if (i < weights.length - 1) h = tf.add(tf.add(tf.mul(tf.square(h), a), tf.mul(h, b)), c);
    });
    return h;
  };
  const lossOf = (output: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar =>
    options.task === 'regression'
      ? tf.losses.meanSquaredError(y, output)
      : tf.add(tf.losses.sigmoidCrossEntropy(y, output), tf.mul(tf.mean(tf.square(output)), options.logitPenalty));
  const l2 = (): tf.Scalar => tf.mul(tf.addN(weights.map((w) => tf.sum(tf.square(w)))), options.l2) as tf.Scalar;

  const dropped = Math.min(options.dropoutFeatures ?? train.inputLength, train.inputLength);
  const dropInputs = (x: tf.Tensor2D, seed: number): tf.Tensor2D => {
    const rows = x.shape[0];
    const mask = tf.dropout(tf.ones([rows, dropped]), options.inputDropout, undefined, seed);
    const full =
      dropped < train.inputLength ? tf.concat([mask, tf.ones([rows, train.inputLength - dropped])], 1) : mask;
    return tf.mul(x, full);
  };
  const count = train.targets.length;
  const X = tf.tensor2d(train.features, [count, train.inputLength]);
  const Y = tf.tensor2d(train.targets, [count, 1]);
  const validX = tf.tensor2d(valid.features, [valid.targets.length, valid.inputLength]);
  const validY = tf.tensor2d(valid.targets, [valid.targets.length, 1]);
  const optimizer = tf.train.adam(options.learningRate);
  const curve: LearningCurvePoint[] = [];
  let best = { loss: Infinity, epoch: 0, weights: [] as Float32Array[], biases: [] as Float32Array[] };
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = shuffledIndices(count, random);
      let trainLoss = 0;
      for (let start = 0; start < count; start += options.batchSize) {
        const batch = tf.tensor1d(Int32Array.from(order.slice(start, start + options.batchSize)), 'int32');
        const dropoutSeed = Math.floor(random() * 2 ** 31);
        const loss = optimizer.minimize(() => {
          const xb = tf.gather(X, batch) as tf.Tensor2D;
          const yb = tf.gather(Y, batch) as tf.Tensor2D;
          const kept = options.inputDropout > 0 ? dropInputs(xb, dropoutSeed) : xb;
          return tf.add(lossOf(forward(kept as tf.Tensor2D), yb), l2()) as tf.Scalar;
        }, true)!;
        trainLoss += (await loss.data())[0] * batch.shape[0];
        loss.dispose();
        batch.dispose();
      }
      const validLoss = tf.tidy(() => lossOf(forward(validX), validY).dataSync()[0]);
      const point = { epoch, trainLoss: trainLoss / count, validLoss };
      curve.push(point);
      options.onEpoch?.(point);
      if (validLoss < best.loss) {
        best = {
          loss: validLoss,
          epoch,
          weights: weights.map((w) => w.dataSync().slice() as Float32Array),
          biases: biases.map((v) => v.dataSync().slice() as Float32Array),
        };
      } else if (epoch - best.epoch >= options.patience) break;
    }
  } finally {
    for (const t of [X, Y, validX, validY, ...weights, ...biases]) t.dispose();
    optimizer.dispose();
  }
  const dense = best.weights.map((w, i): TrainedDense => {
    const inFeatures = widths[i];
    const outFeatures = widths[i + 1];
    // tfjs stores W as in × out (x·W); bundles store out × in (W·x).
    const weight = new Float64Array(inFeatures * outFeatures);
    for (let r = 0; r < outFeatures; r++)
      for (let k = 0; k < inFeatures; k++) weight[r * inFeatures + k] = w[k * outFeatures + r];
    return { inFeatures, outFeatures, weight, bias: Float64Array.from(best.biases[i]) };
  });
  return { dense, curve, bestEpoch: best.epoch };
}
