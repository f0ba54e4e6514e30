/** Held-out metrics, computed in float64 on de-normalized predictions. */
export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>) {
  const n = truth.length;
  let squared = 0;
  let absolute = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = predicted[i] - truth[i];
    squared += error * error;
    absolute += Math.abs(error);
    total += (truth[i] - mean) ** 2;
  }
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2: 1 - squared / total };
}

/** ROC-AUC by the rank-sum (Mann–Whitney) statistic, ties counted half. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k][1]] === 1) {
        rankSum += averageRank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** PR-AUC as average precision (the step-wise area, as scikit-learn's average_precision_score). */
export function prAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const positives = Array.from(labels).filter((l) => l === 1).length;
  if (positives === 0) return Number.NaN;
  let truePositives = 0;
  let area = 0;
  order.forEach(([, i], k) => {
    if (labels[i] === 1) {
      truePositives++;
      area += truePositives / (k + 1);
    }
  });
  return area / positives;
}

export function classificationMetrics(labels: ArrayLike<number>, probabilities: ArrayLike<number>) {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if ((probabilities[i] >= 0.5 ? 1 : 0) === labels[i]) correct++;
  return {
    rocAuc: rocAuc(labels, probabilities),
    prAuc: prAuc(labels, probabilities),
    accuracy: correct / labels.length,
  };
}

export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}
