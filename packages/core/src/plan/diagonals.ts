import { forEachWeight } from './lower.ts';
import type { LinearStage } from './lower.ts';
import { nextPowerOfTwo, positionOf } from './layout.ts';
import type { VectorLayout } from './types.ts';

export interface SlotMatrix {
  inputPeriod: number;
  outputPeriod: number;
  outputLayout: VectorLayout;
  /** visit(rowPosition, columnPosition, weight) for every non-zero weight, in layout positions. */
  forEachEntry(visit: (row: number, column: number, weight: number) => void): void;
}

/** The linear map as seen in slot positions: columns follow the input layout, rows the output layout. */
export function slotMatrix(stage: LinearStage, inputLayout: VectorLayout): SlotMatrix {
  if (inputLayout.kind === 'im2col') {
    const g = inputLayout.geometry;
    const patches = g.outHeight * g.outWidth;
    const kernelLength = g.inChannels * g.kernel[0] * g.kernel[1];
    const stride = inputLayout.patchStride;
    const outputLayout: VectorLayout = {
      kind: 'channel-strided',
      length: stage.outLength,
      period: nextPowerOfTwo(g.outChannels * stride),
      channels: g.outChannels,
      perChannel: patches,
      channelStride: stride,
    };
    const kernel = stage.conv!.kernel;
    return {
      inputPeriod: inputLayout.period,
      outputPeriod: outputLayout.period,
      outputLayout,
      forEachEntry(visit) {
        for (let co = 0; co < g.outChannels; co++)
          for (let k = 0; k < kernelLength; k++) {
            const w = kernel[co * kernelLength + k]!;
            if (w !== 0) for (let p = 0; p < patches; p++) visit(co * stride + p, k * stride + p, w);
          }
      },
    };
  }
  const outputLayout: VectorLayout = {
    kind: 'contiguous',
    length: stage.outLength,
    period: nextPowerOfTwo(stage.outLength),
  };
  return {
    inputPeriod: inputLayout.period,
    outputPeriod: outputLayout.period,
    outputLayout,
    forEachEntry(visit) {
      forEachWeight(stage, (r, c, w) => visit(r, positionOf(inputLayout, c), w));
    },
  };
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

/**
 * Extended (hybrid) diagonals: d_i[j] = W[j mod P][(j + i) mod D] for i < P, j < D, with D = max(input, output
 * period). Σ_i d_i ⊙ rot_i(x) puts partial sums of row r at every j ≡ r (mod P); the log fold adds them up.
 * Returns only the non-zero diagonals.
 */
export function extendedDiagonals(matrix: SlotMatrix): Map<number, Float64Array> {
  const width = Math.max(matrix.inputPeriod, matrix.outputPeriod);
  const height = matrix.outputPeriod;
  const diagonals = new Map<number, Float64Array>();
  matrix.forEachEntry((row, column, weight) => {
    const i = mod(column - row, height);
    const j = mod(column - i, width);
    let diagonal = diagonals.get(i);
    if (!diagonal) diagonals.set(i, (diagonal = new Float64Array(width)));
    diagonal[j] = weight;
  });
  return diagonals;
}

/** Indices of the non-zero extended diagonals, ascending (no weights kept: the planner only needs structure). */
export function diagonalIndices(matrix: SlotMatrix): number[] {
  const height = matrix.outputPeriod;
  const seen = new Uint8Array(height);
  matrix.forEachEntry((row, column) => (seen[mod(column - row, height)] = 1));
  const out: number[] = [];
  seen.forEach((v, i) => v && out.push(i));
  return out;
}

export interface RotationSchedule {
  babyStep: number;
  babyRotation: 'sequential' | 'direct';
  giantRotation: 'horner' | 'direct';
  babySteps: number[];
  giantSteps: number[];
  rotations: number;
  /** Keys (feature units) this schedule needs, fold excluded. */
  keys: number[];
}

/**
 * Chooses n1 (a power of two) for baby-step/giant-step over the non-zero diagonals, minimizing rotations and then
 * new keys. Dense runs use one key each way (sequential babies, Horner giants); sparse sets rotate directly.
 */
export function scheduleRotations(diagonals: number[], outputPeriod: number, knownKeys: Set<number>): RotationSchedule {
  let best: RotationSchedule | undefined;
  let bestScore = Infinity;
  for (let n1 = 1; n1 <= outputPeriod; n1 *= 2) {
    const babies = [...new Set(diagonals.map((i) => i % n1))].filter((b) => b > 0).sort((a, b) => a - b);
    const giants = [...new Set(diagonals.map((i) => Math.floor(i / n1)))].filter((g) => g > 0).sort((a, b) => a - b);
    const maxBaby = babies[babies.length - 1] ?? 0;
    const maxGiant = giants[giants.length - 1] ?? 0;
    const babyRotation = maxBaby <= babies.length + 1 ? 'sequential' : 'direct';
    const giantRotation = maxGiant <= giants.length + 1 ? 'horner' : 'direct';
    const keys = new Set<number>();
    if (babies.length) (babyRotation === 'sequential' ? [1] : babies).forEach((b) => keys.add(b));
    if (giants.length) (giantRotation === 'horner' ? [1] : giants).forEach((g) => keys.add(g * n1));
    const rotations =
      (babyRotation === 'sequential' ? maxBaby : babies.length) + (giantRotation === 'horner' ? maxGiant : giants.length); // prettier-ignore
    const newKeys = [...keys].filter((k) => !knownKeys.has(k)).length;
    const score = rotations + 0.5 * newKeys;
    if (score < bestScore) {
      bestScore = score;
      best = { babyStep: n1, babyRotation, giantRotation, babySteps: babies, giantSteps: giants, rotations, keys: [...keys] }; // prettier-ignore
    }
  }
  return best!;
}
