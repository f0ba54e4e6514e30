// `npm run stress`: hostile input, load and faults against a real `chemveil serve` on loopback, bounded in count
// and time. Prints a JSON summary (requests, status codes, crashes, memory, latencies) and exits non-zero when a
// promise is broken. Scaled-down versions of each part run in `npm test` (apps/server/test/*.test.ts).
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBundle, type ModelSummary } from '@chemveil/core';
import { runFault } from './faults.ts';
import { heldOutFeatures } from './molecules.ts';
import { fuzzMaterial, runFuzz } from './fuzz.ts';
import { runLoad } from './load.ts';
import { httpSend, jsBytesOf, quietMemory, readMemory, sealHeapOf, startServerProcess } from './server-process.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const FUZZ_REQUESTS = Number(args.get('fuzz') ?? 10_000);
const SESSIONS = Number(args.get('sessions') ?? 50);
const PREDICTIONS = Number(args.get('predictions') ?? 3);
const MODEL = args.get('model') ?? 'esol';
const port = 20_000 + Math.floor(Math.random() * 20_000);

const modelsDir = mkdtempSync(join(tmpdir(), 'chemveil-stress-'));
copyFileSync(new URL(`../models/${MODEL}.cvmb`, import.meta.url), join(modelsDir, `${MODEL}.cvmb`));
const bundle = parseBundle(readFileSync(join(modelsDir, `${MODEL}.cvmb`)));
// One loopback address plays every client here: per-client limits (rate, key memory, molecule budget) are lifted.
const env = {
  CHEMVEIL_SESSION_TTL: '30',
  CHEMVEIL_REQUESTS_PER_MINUTE: '1000000',
  CHEMVEIL_MAX_QUEUED: '4096',
  CHEMVEIL_SESSION_MEMORY_PER_CLIENT_MB: '1048576',
  CHEMVEIL_MOLECULES_PER_DAY: '0',
};
const summary: Record<string, unknown> = { model: MODEL, port };
let failures: string[] = [];
let server = await startServerProcess({ port, modelsDir, env });
let crashes = 0;
// A crash is an exit we did not ask for: a non-zero code, or a signal other than the ones we send.
const watch = (child: typeof server.child) =>
  child.on('exit', (code, signal) => {
    if (signal ? signal !== 'SIGKILL' && signal !== 'SIGTERM' : code !== 0) crashes++;
  });
watch(server.child);
let maxRss = 0;
const sampleRss = async () => {
  const memory = await readMemory(server.url);
  maxRss = Math.max(maxRss, memory.rss);
  return memory;
};
const rssSampler = setInterval(() => void sampleRss().catch(() => undefined), 500);

try {
  const model = (await (await fetch(`${server.url}/v1/models/${MODEL}`)).json()) as ModelSummary;

  // Warm-up wave: WASM heaps never shrink and SEAL's pool keeps freed blocks for reuse, so the baseline is taken
  // after one full wave; a leak then shows as growth past it.
  process.stderr.write(`warm-up: ${SESSIONS} sessions…\n`);
  await runLoad(server.url, { sessions: SESSIONS, predictionsPerSession: 1, molecules: 1, modelId: MODEL });
  await new Promise((resolve) => setTimeout(resolve, 35_000));
  const baseline = await quietMemory(server.url);

  process.stderr.write(`fuzz: ${FUZZ_REQUESTS} malformed requests…\n`);
  const material = await fuzzMaterial(model, bundle);
  const fuzz = await runFuzz(httpSend(server.url), material, FUZZ_REQUESTS, 11);
  material.dispose();
  summary.fuzz = { ...fuzz, violations: fuzz.violations.slice(0, 10), violationCount: fuzz.violations.length };
  if (fuzz.violations.length > 0) failures.push(`${fuzz.violations.length} fuzz requests broke the rules`);

  process.stderr.write(`load: ${SESSIONS} concurrent sessions × ${PREDICTIONS} predictions…\n`);
  const load = await runLoad(server.url, { sessions: SESSIONS, predictionsPerSession: PREDICTIONS, molecules: 1, modelId: MODEL }); // prettier-ignore
  summary.load = load;
  if (load.errors > 0) failures.push(`${load.errors} load predictions failed`);

  // Sessions expire (TTL 30 s; the load test also deletes its own): memory must come back to the baseline.
  await new Promise((resolve) => setTimeout(resolve, 35_000));
  const after = await quietMemory(server.url);
  const sealBaseline = sealHeapOf(baseline);
  const sealAfter = sealHeapOf(after);
  summary.memory = {
    baselineRss: baseline.rss,
    afterRss: after.rss,
    rssRatio: Number((after.rss / baseline.rss).toFixed(3)),
    baselineSealHeap: sealBaseline,
    afterSealHeap: sealAfter,
    sealHeapRatio: Number((sealAfter / sealBaseline).toFixed(3)),
    baselineJsBytes: jsBytesOf(baseline),
    afterJsBytes: jsBytesOf(after),
    jsRatio: Number((jsBytesOf(after) / jsBytesOf(baseline)).toFixed(3)),
    sessionsLeft: after.sessions,
  };
  // Same criteria as apps/server/test/faults.test.ts: what can leak within 10%, RSS as a whole within 25%.
  if (jsBytesOf(after) > jsBytesOf(baseline) * 1.1)
    failures.push("the main thread's JS heap and buffers did not return within 10% of the baseline");
  if (after.rss > baseline.rss * 1.25) failures.push('RSS did not return within 25% of the baseline');
  if (sealAfter > sealBaseline * 1.1) failures.push('SEAL heap did not return within 10% of the baseline');

  process.stderr.write('faults: kill -9 mid-prediction, restart, recover…\n');
  const fault = await runFault({
    url: server.url,
    modelId: MODEL,
    bundle,
    features: await heldOutFeatures(bundle, 48),
    restart: async () => {
      await server.stop('SIGKILL');
      server = await startServerProcess({ port, modelsDir, env });
      watch(server.child);
    },
  });
  summary.faults = fault;
  if (!fault.recovered || fault.maxAbsError > 1e-3) failures.push('the client did not recover from a server restart');
} catch (error) {
  failures.push(`stress run failed: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  clearInterval(rssSampler);
  await server.stop();
}
summary.crashes = crashes;
summary.maxRss = maxRss;
if (crashes > 0) failures.push(`${crashes} server crashes`);
summary.failures = failures;
console.log(JSON.stringify(summary, null, 2));
failures = failures.filter(Boolean);
process.exitCode = failures.length > 0 ? 1 : 0;
