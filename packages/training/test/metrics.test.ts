import { describe, expect, it } from 'vitest';
import {
  classificationMetrics,
  meanAndSd,
  prAuc,
  randomSplit,
  regressionMetrics,
  rocAuc,
  scaffoldSplit,
} from '@chemveil/training';

describe('metrics', () => {
  it('computes RMSE, MAE and R² exactly', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 3, 5]);
    expect(m.rmse).toBeCloseTo(0.5, 12);
    expect(m.mae).toBeCloseTo(0.25, 12);
    expect(m.r2).toBeCloseTo(1 - 1 / 5, 12);
  });

  it('computes ROC-AUC with ties and PR-AUC as average precision', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 1], [0.5, 0.6])).toBeNaN();
    // ranking: 0.8(+), 0.4(−), 0.35(+), 0.1(−): precision at the positives 1 and 2/3.
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(classificationMetrics([0, 1, 1], [0.2, 0.7, 0.4]).accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('reports mean ± sample standard deviation', () => {
    expect(meanAndSd([1, 2, 3])).toEqual({ mean: 2, sd: 1 });
  });
});

describe('splits', () => {
  it('splits 8:1:1 at random, disjoint, reproducible from the seed', () => {
    const a = randomSplit(1000, 7);
    expect([a.train.length, a.valid.length, a.test.length]).toEqual([800, 100, 100]);
    expect(new Set([...a.train, ...a.valid, ...a.test]).size).toBe(1000);
    expect(randomSplit(1000, 7)).toEqual(a);
    expect(randomSplit(1000, 8).test).not.toEqual(a.test);
  });

  it('keeps every scaffold on one side of a scaffold split', () => {
    const scaffolds = Array.from({ length: 500 }, (_, i) => `s${i % 97}`);
    const split = scaffoldSplit(scaffolds, 3);
    const side = new Map<string, string>();
    for (const [name, indices] of Object.entries(split)) {
      for (const i of indices as number[]) {
        expect(side.get(scaffolds[i]) ?? name).toBe(name);
        side.set(scaffolds[i], name);
      }
    }
    expect(split.train.length + split.valid.length + split.test.length).toBe(500);
    expect(split.train.length).toBeGreaterThanOrEqual(380);
  });
});
