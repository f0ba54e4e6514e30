// `npm run bench`: every benchmark in one run; prints tables and writes bench-results.json at the repo root.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runBlindingBench } from './blinding.ts';
import { runBrowserBench } from './browser.ts';
import { runEngineBench } from './engine.ts';
import { runFeaturizerBench } from './featurizer.ts';
import { runServerBench } from './server.ts';

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
      `${n.name} (${n.maskBits ? `${n.maskBits}-bit masks` : 'unblinded'})`,
      {
        chain: n.parameters.coeffModulusBits.join(','),
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

process.stderr.write('blinding: mask bits vs precision vs leakage on shipped models…\n');
results.blinding = await runBlindingBench();

process.stderr.write('server: chemveil query on 1,000 molecules over loopback, 1 vs 2 worker threads…\n');
const server = await runServerBench();
results.server = server;
console.table(
  Object.fromEntries(
    server.runs.map((r) => [
      `${r.workers} worker${r.workers > 1 ? 's' : ''}`,
      {
        'query molecules/s (end to end)': r.queryMoleculesPerSecond,
        'server molecules/s': r.serverMoleculesPerSecond,
        'server ms/ciphertext': r.serverMsPerCiphertext,
      },
    ]),
  ),
);

process.stderr.write('browser (Playwright, Chromium): cold start, warm prediction, 1,000-molecule batch…\n');
const browser = await runBrowserBench();
results.browser = browser;
console.table({
  'cold start → first prediction': { ms: browser.coldStartToFirstPredictionMs, target: '≤ 4000' },
  'warm prediction': { ms: browser.warmPredictionMs, target: '≤ 1000' },
  '1,000-molecule batch': { ms: browser.batch1000Ms, target: '≤ 60000' },
});

const path = new URL('../bench-results.json', import.meta.url);
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path.pathname}`);
