import { seededRandom, shuffledIndices } from './random.ts';

export type SplitKind = 'random' | 'scaffold';

export interface Split {
  train: number[];
  valid: number[];
  test: number[];
}

/** Random 8:1:1 split from a seed. */
export function randomSplit(n: number, seed: number, fractions = [0.8, 0.1, 0.1]): Split {
  const order = shuffledIndices(n, seededRandom(seed));
  const trainEnd = Math.round(n * fractions[0]);
  const validEnd = trainEnd + Math.round(n * fractions[1]);
  return { train: order.slice(0, trainEnd), valid: order.slice(trainEnd, validEnd), test: order.slice(validEnd) };
}

/**
 * Scaffold split (balanced, as in chemprop): molecules sharing a Bemis–Murcko scaffold stay on one side. Scaffold
 * sets too big for the validation or test share go to training first; the rest are placed in seeded random order.
 * Measures how a model does on chemotypes it has not seen — harder, and more honest, than a random split.
 */
export function scaffoldSplit(scaffolds: string[], seed: number, fractions = [0.8, 0.1, 0.1]): Split {
  const n = scaffolds.length;
  const groups = new Map<string, number[]>();
  scaffolds.forEach((s, i) => groups.set(s, [...(groups.get(s) ?? []), i]));
  const validSize = Math.round(n * fractions[1]);
  const testSize = Math.round(n * fractions[2]);
  const sets = [...groups.values()];
  const big = sets.filter((g) => g.length > validSize / 2 || g.length > testSize / 2);
  const small = sets.filter((g) => !big.includes(g));
  const order = shuffledIndices(small.length, seededRandom(seed)).map((i) => small[i]);
  const split: Split = { train: [], valid: [], test: [] };
  const trainSize = n - validSize - testSize;
  for (const group of [...big, ...order]) {
    if (split.train.length + group.length <= trainSize) split.train.push(...group);
    else if (split.valid.length + group.length <= validSize) split.valid.push(...group);
    else split.test.push(...group);
  }
  return split;
}
