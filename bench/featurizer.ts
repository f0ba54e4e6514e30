import { readFileSync } from 'node:fs';
import { DEFAULT_FEATURIZER_SPEC } from '@chemveil/core';
import { createNodeFeaturizer, featurizeRecords, readMoleculeFile } from '@chemveil/featurizer/node';

export interface FeaturizerBenchResult {
  rdkitVersion: string;
  molecules: number;
  /** Model input vectors (parse, standardize, Morgan 1024, expand) per second, one thread. */
  nodeMoleculesPerSecond: number;
  /** Full description (canonical SMILES, InChIKey, parent) per second, one thread. */
  describeMoleculesPerSecond: number;
  /** CSV text to feature vectors, including CSV parsing, per second. */
  csvMoleculesPerSecond: number;
  startMs: number;
  heapGrowthBytes: number;
}

const fixture = new URL('../packages/featurizer/test/fixtures/reference.smi', import.meta.url);

function rate(count: number, run: () => void): number {
  const start = performance.now();
  run();
  return Math.round((count / (performance.now() - start)) * 1000);
}

export async function runFeaturizerBench(count = 10_000): Promise<FeaturizerBenchResult> {
  const molecules = readFileSync(fixture, 'utf8').trim().split('\n');
  const inputs = Array.from({ length: count }, (_, i) => molecules[i % molecules.length]);
  const started = performance.now();
  const featurizer = await createNodeFeaturizer();
  const startMs = Math.round(performance.now() - started);
  const tryEach = (fn: (smiles: string) => unknown) => () => {
    for (const smiles of inputs) {
      try {
        fn(smiles);
      } catch {
        // the fixture's few invalid molecules take the error path, as real files do
      }
    }
  };
  tryEach((s) => featurizer.featurize(s, DEFAULT_FEATURIZER_SPEC))(); // warm-up
  const heapBefore = featurizer.heapBytes();
  const nodeMoleculesPerSecond = rate(
    count,
    tryEach((s) => featurizer.featurize(s, DEFAULT_FEATURIZER_SPEC)),
  );
  const describeMoleculesPerSecond = rate(
    count,
    tryEach((s) => featurizer.describe(s)),
  );
  const csv = 'smiles\n' + inputs.join('\n') + '\n';
  const csvMoleculesPerSecond = rate(count, () => {
    featurizeRecords(featurizer, readMoleculeFile(csv, { format: 'csv' }).records, DEFAULT_FEATURIZER_SPEC);
  });
  return {
    rdkitVersion: featurizer.rdkitVersion,
    molecules: count,
    nodeMoleculesPerSecond,
    describeMoleculesPerSecond,
    csvMoleculesPerSecond,
    startMs,
    heapGrowthBytes: featurizer.heapBytes() - heapBefore,
  };
}
