// `npm run bench`: every benchmark in one run; prints tables and writes bench-results.json at the repo root.
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
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

// The engine's benchmark joins the run once the engine exists (bench/engine.ts).
const engineBench = new URL('./engine.ts', import.meta.url);
if (existsSync(engineBench)) {
  process.stderr.write('engine…\n');
  const { runEngineBench } = (await import(engineBench.href)) as { runEngineBench: () => Promise<unknown> };
  results.engine = await runEngineBench();
}

const path = new URL('../bench-results.json', import.meta.url);
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
