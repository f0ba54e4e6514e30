// Writes models/README.md from the cards of the shipped bundles (run by `npm run models:train`, or alone).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseBundle } from '@chemveil/core';
import type { EvaluationPlan } from '@chemveil/core';

/** The plans a fresh server serves (written by `npm run models:plan`), by model name. */
const plans = new Map(
  readdirSync('models/plans').map((file) => {
    const { plan } = JSON.parse(readFileSync(`models/plans/${file}`, 'utf8')) as { plan: EvaluationPlan };
    return [plan.model.name, plan] as const;
  }),
);

/** Plaintext DNN reference results on the same data (random 8:1:1; Jiang et al., J. Cheminform. 2021, 13:12). */
const BARS: Record<string, { metric: string; bar: number; higherIsBetter: boolean }> = {
  esol: { metric: 'rmse', bar: 0.7, higherIsBetter: false },
  lipophilicity: { metric: 'rmse', bar: 0.68, higherIsBetter: false },
  bbbp: { metric: 'rocAuc', bar: 0.9, higherIsBetter: true },
  clintox: { metric: 'rocAuc', bar: 0.88, higherIsBetter: true },
};

const rows: string[] = [];
for (const file of readdirSync('models')
  .filter((f) => f.endsWith('.cvmb'))
  .sort()) {
  const bundle = parseBundle(readFileSync(`models/${file}`));
  const card = bundle.card!;
  const metric = card.task === 'regression' ? 'rmse' : 'rocAuc';
  const seeds = card.metrics[metric];
  const bar = BARS[card.id];
  const encrypted = card.encryptedTestMetrics?.[metric];
  const passes = (x: number) => ((bar!.higherIsBetter ? x >= bar!.bar : x <= bar!.bar) ? 'yes' : 'no');
  const meets = bar && encrypted !== undefined ? `${passes(encrypted)} / ${passes(seeds.mean)}` : '—';
  const plan = plans.get(bundle.name);
  const served = plan
    ? `[${plan.parameters.coeffModulusBits.join(', ')}], ${plan.blinding ? `${plan.blinding.maskBits}-bit masks` : 'unblinded'}, ${(plan.estimates.evaluationKeyBytes / 1e6).toFixed(2)} MB` // prettier-ignore
    : 'not planned';
  rows.push(
    `| \`${card.id}\` | ${card.title} | ${card.task === 'regression' ? card.units : card.classes?.join(' / ')} | ` +
      `${card.trainingData.molecules} | ${metric} ${seeds.mean.toFixed(3)} ± ${seeds.sd.toFixed(3)} | ${encrypted?.toFixed(3)} | ` +
      `${bar ? `${bar.higherIsBetter ? '≥' : '≤'} ${bar.bar}` : '—'} | ${meets} | ${card.encryptedVsPlainMaxError?.toExponential(1)} | ` +
      `${served} |`,
  );
}

writeFileSync(
  'models/README.md',
  `# Shipped models

Made by \`npm run models:train\` (scripts/train-models.ts) from the datasets in \`data/datasets/\` (provenance and
licences in \`data/datasets/SOURCES.md\`): preset \`veilnet\` (Morgan r=2 960 bits + 42 normalized RDKit descriptors,
two hidden layers with the activation 0.125x² + 0.5x + 0.25), random 8:1:1 splits, five seeds each. The bundle shipped
is the seed with the best validation score; its card carries the metrics over all five seeds (test split, mean ±
sample sd), its own test metrics computed from **encrypted** predictions through the real engine, and the largest
|encrypted − plaintext| difference seen on its test split. Selecting the best of five seeds on validation makes
the shipped model's single test split an optimistic estimate; the 5-seed mean ± sd is the number to trust. The
last column is the plan a server serves (\`models/plans/\`, \`npm run models:plan\`): chain, blinding, evaluation keys.

| id | predicts | units / classes | molecules | test, 5 seeds (plaintext) | shipped model, encrypted | bar (Jiang et al. 2021 DNN) | meets bar: shipped / 5-seed mean | max enc−plain (training check) | served plan |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Each card also gives how to read a value, the training data and licence, the CKKS ring size, partitions and
expected latency, and the model's limitations (\`npx chemveil models --json\` prints them from a running server).
`,
);
console.log(`wrote models/README.md (${rows.length} models)`);
