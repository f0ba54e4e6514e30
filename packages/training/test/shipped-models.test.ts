// Re-checks every shipped model bundle (models/*.cvmb): it loads, has a complete card, plans with tc128 parameters,
// and its encrypted predictions on real molecules equal the plaintext reference within 1e-3.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBundle, referenceForward } from '@chemveil/core';
import { loadFeaturizer } from '@chemveil/featurizer/node';
import { encryptedPredictions } from '@chemveil/training';

const modelsDir = new URL('../../../models/', import.meta.url);
const bundles = readdirSync(modelsDir).filter((f) => f.endsWith('.cvmb'));
const TOLERANCE = 1e-3;

/** Real molecules, some with salts, from different sets: what chemists will send. */
const SAMPLES = [
  'CC(=O)Oc1ccccc1C(=O)O',
  'Cn1cnc2c1c(=O)n(C)c(=O)n2C',
  '[Cl].CC(C)NCC(O)COc1cccc2ccccc12',
  'CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O',
  'O=C(O)c1ccccc1O',
  'CCN(CC)CCOC(=O)c1ccc(N)cc1',
  'FC(F)Oc1ccc(-c2nnc3cncc(CN4Cc5ccccc5C4)n23)cc1',
  'c1ccc2c(c1)Cc1ccccc1N2CCCN',
  'CCCCCCCCCCCCCCCC(=O)O',
];

describe('shipped models', () => {
  it('ships the five zoo models', () => {
    expect(bundles.map((f) => f.replace('.cvmb', '')).sort()).toEqual([
      'bbbp',
      'clintox',
      'esol',
      'lipophilicity',
      'osm-series4',
    ]);
  });

  it.each(bundles)('%s: card complete, encrypted equals plaintext within 1e-3 on real molecules', async (file) => {
    const bundle = parseBundle(readFileSync(new URL(file, modelsDir)));
    const card = bundle.card!;
    expect(card.id).toBe(file.replace('.cvmb', ''));
    expect(card.task === 'regression' ? card.units : card.classes).toBeTruthy();
    const headline = card.task === 'regression' ? 'rmse' : 'rocAuc';
    expect(card.metrics[headline]).toMatchObject({ seeds: 5 });
    expect(card.encryptedTestMetrics?.[headline]).toBeGreaterThan(0);
    expect(card.encryptedVsPlainMaxError).toBeLessThan(TOLERANCE);

    expect(card.limitations.length).toBeGreaterThan(0);
    expect(bundle.activationRanges).toHaveLength(bundle.layers.length);

    const featurizer = await loadFeaturizer();
    const inputs = SAMPLES.map((s) => featurizer.featurize(s, bundle.featurizer));
    const check = await encryptedPredictions(bundle, inputs);
    expect(check.plan.parameters.securityLevel).toBe('tc128');
    // The keys a client really uploads are what the served plan announces (its estimate, within 10%).
    expect(Math.abs(check.evaluationKeyBytes / check.plan.estimates.evaluationKeyBytes - 1)).toBeLessThan(0.1);
    let worst = 0;
    check.outputs.forEach((raw, m) =>
      referenceForward(bundle, inputs[m]).forEach((y, i) => (worst = Math.max(worst, Math.abs(raw[i] - y)))),
    );
    expect(worst).toBeLessThan(TOLERANCE);
  });
});
