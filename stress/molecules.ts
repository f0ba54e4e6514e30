// Real, held-out molecules as model inputs. A plan's error bound is measured on the server's sample molecules
// (apps/server/src/models/sample-molecules.ts), so checks of the 1e-3 target feed molecules like the ones the
// product serves: ESOL's, none of them a sample. Random bit vectors are a different distribution (their largest
// errors reach several times the samples'), fine for exercising the protocol but not for judging precision.
import { readFileSync } from 'node:fs';
import type { ModelBundle } from '@chemveil/core';
import { loadFeaturizer, readCsvMolecules } from '@chemveil/featurizer/node';
import { SAMPLE_MOLECULES } from '../apps/server/src/models/sample-molecules.ts';

const ESOL = new URL('../data/datasets/delaney-processed.csv', import.meta.url);

/** The first `count` ESOL molecules that are not planning samples, featurized with the bundle's own spec. */
export async function heldOutFeatures(bundle: ModelBundle, count: number): Promise<Float32Array[]> {
  const featurizer = await loadFeaturizer();
  const samples = new Set(SAMPLE_MOLECULES);
  const features: Float32Array[] = [];
  for (const record of readCsvMolecules(readFileSync(ESOL, 'utf8')).records) {
    if (features.length === count) break;
    if (record.error || samples.has(record.molecule)) continue;
    features.push(featurizer.featurize(record.molecule, bundle.featurizer));
  }
  if (features.length < count) throw new Error(`ESOL has only ${features.length} usable molecules`);
  return features;
}
