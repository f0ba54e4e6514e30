// Small SVG charts for model cards: a parity plot (regression) and a ROC curve (classification), from the card's
// test set (true values and encrypted predictions).

const SIZE = 160;
const PAD = 22;

const scale = (v: number, lo: number, hi: number) => PAD + ((v - lo) / (hi - lo || 1)) * (SIZE - 2 * PAD);

export function ParityPlot({ truth, predicted, units }: { truth: number[]; predicted: number[]; units?: string }) {
  const all = [...truth, ...predicted];
  const lo = Math.floor(Math.min(...all));
  const hi = Math.ceil(Math.max(...all));
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      role="img"
      aria-label={`Parity plot: predicted against measured${units ? ` (${units})` : ''} for ${truth.length} test molecules`}
    >
      <rect x={PAD} y={PAD} width={SIZE - 2 * PAD} height={SIZE - 2 * PAD} className="chart-frame" />
      <line x1={PAD} y1={SIZE - PAD} x2={SIZE - PAD} y2={PAD} className="chart-diagonal" />
      {truth.map((t, i) => (
        <circle key={i} cx={scale(t, lo, hi)} cy={SIZE - scale(predicted[i]!, lo, hi)} r={1.8} className="chart-point" />
      ))}
      <text x={SIZE / 2} y={SIZE - 4} textAnchor="middle" className="chart-label">
        measured
      </text>
      <text x={8} y={SIZE / 2} textAnchor="middle" className="chart-label" transform={`rotate(-90 8 ${SIZE / 2})`}>
        predicted
      </text>
      <text x={PAD} y={SIZE - PAD + 10} className="chart-tick">
        {lo}
      </text>
      <text x={SIZE - PAD} y={SIZE - PAD + 10} textAnchor="end" className="chart-tick">
        {hi}
      </text>
    </svg>
  );
}

/** ROC points (false positive rate, true positive rate) by descending score, and the area under them. */
export function rocCurve(truth: number[], scores: number[]): { points: [number, number][]; auc: number } {
  const order = scores.map((s, i) => [s, truth[i]!] as const).sort((a, b) => b[0] - a[0]);
  const positives = truth.filter((t) => t === 1).length;
  const negatives = truth.length - positives;
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1] === 1) tp++;
    else fp++;
    if (i === order.length - 1 || order[i + 1]![0] !== order[i]![0]) {
      const [x0, y0] = points[points.length - 1]!;
      const point: [number, number] = [fp / (negatives || 1), tp / (positives || 1)];
      auc += (point[0] - x0) * ((point[1] + y0) / 2);
      points.push(point);
    }
  }
  return { points, auc };
}

export function RocCurve({ truth, scores }: { truth: number[]; scores: number[] }) {
  const { points, auc } = rocCurve(truth, scores);
  const path = points.map(([x, y], i) => `${i ? 'L' : 'M'}${scale(x, 0, 1)},${SIZE - scale(y, 0, 1)}`).join(' ');
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${SIZE} ${SIZE}`}
      role="img"
      aria-label={`ROC curve on ${truth.length} test molecules, area ${auc.toFixed(2)}`}
    >
      <rect x={PAD} y={PAD} width={SIZE - 2 * PAD} height={SIZE - 2 * PAD} className="chart-frame" />
      <line x1={PAD} y1={SIZE - PAD} x2={SIZE - PAD} y2={PAD} className="chart-diagonal" />
      <path d={path} className="chart-line" />
      <text x={SIZE / 2} y={SIZE - 4} textAnchor="middle" className="chart-label">
        false positive rate
      </text>
      <text x={8} y={SIZE / 2} textAnchor="middle" className="chart-label" transform={`rotate(-90 8 ${SIZE / 2})`}>
        true positive rate
      </text>
      <text x={SIZE - PAD - 4} y={SIZE - PAD - 6} textAnchor="end" className="chart-tick">
        AUC {auc.toFixed(2)}
      </text>
    </svg>
  );
}
