// `npm run bench`: every benchmark in one run; prints tables and writes bench-results.json at the repo root.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runEngineBench } from './engine.ts';
import { runFeaturizerBench } from './featurizer.ts';

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
};

process.stderr.write('featurizer…\n');
const featurizer = await runFeaturizerBench();
results.featurizer = featurizer;
console.table({
  'model vectors (Morgan 1024)': { 'molecules/s': featurizer.nodeMoleculesPerSecond, target: '≥ 1500' },
  'full description (+InChIKey)': { 'molecules/s': featurizer.describeMoleculesPerSecond, target: '' },
  'CSV file → vectors': { 'molecules/s': featurizer.csvMoleculesPerSecond, target: '' },
});

process.stderr.write('engine (and the TenSEAL mm baseline: about a minute per network)…\n');
const engine = await runEngineBench();
results.engine = engine;
console.table(
  Object.fromEntries(
    engine.networks.map((n) => [
      n.name,
      {
        'ms/ciphertext': Math.round(n.serverMsPerCiphertext),
        'molecules/ct': n.moleculesPerCiphertext,
        'ms/molecule': Math.round(n.serverMsPerMolecule),
        'single ms': Math.round(n.singleMoleculeMs),
        'eval keys MB': +(n.evalKeyBytes / 1e6).toFixed(2),
        'max abs err': n.maxAbsError.toExponential(1),
        'baseline ms': Math.round(n.baselineMs),
        speedup: Math.round(n.speedup),
      },
    ]),
  ),
);

const path = new URL('../bench-results.json', import.meta.url);
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path.pathname}`);
