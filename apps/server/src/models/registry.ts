import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  describeModel,
  InvalidBundleError,
  MODEL_ID_PATTERN,
  NODE_SEAL_VERSION,
  parseBundle,
  PLAN_VERSION,
  uploadLimits,
} from '@chemveil/core';
import type { EvaluationPlan, ModelBundle, ModelSummary } from '@chemveil/core';
import { ConfigError } from '../env.ts';
import type { EvaluationPool } from '../evaluation/pool.ts';
import { SAMPLE_MOLECULES, SAMPLE_MOLECULES_VERSION } from './sample-molecules.ts';

export interface LoadedModel {
  id: string;
  file: string;
  bundle: ModelBundle;
  plan: EvaluationPlan;
  /** The public description served by GET /v1/models (card, plan, limits; never weights). */
  summary: ModelSummary;
}

interface CachedPlan {
  plan: EvaluationPlan;
  maxAbsError: number;
}

export interface LoadModelsOptions {
  modelsDir: string;
  planCacheDir: string | undefined;
  maxCiphertextsPerRequest: number;
  /** Fixed blinding strength (ServerConfig.maskBits); undefined: chosen per model. */
  maskBits?: number;
  pool: EvaluationPool;
  log: { info: (message: string) => void; warn: (message: string) => void };
}

/**
 * Plans depend on the bundle, the planner, SEAL and the sample molecules, and on a fixed mask strength if the
 * operator set one: the cache keys on all of them.
 */
const planCacheKey = (bundleHash: string, maskBits?: number): string =>
  `${bundleHash}-plan${PLAN_VERSION}-seal${NODE_SEAL_VERSION}-samples${SAMPLE_MOLECULES_VERSION}${maskBits === undefined ? '' : `-mask${maskBits}`}`; // prettier-ignore

/** A stored plan of this planner version; undefined when the file is missing or the plan stale. */
async function readStoredPlan(file: string): Promise<CachedPlan | undefined> {
  const stored = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as CachedPlan,
    () => undefined,
  );
  return stored?.plan?.planVersion === PLAN_VERSION ? stored : undefined;
}

async function planFor(bytes: Uint8Array, name: string, options: LoadModelsOptions): Promise<CachedPlan> {
  const { maskBits } = options;
  const bundleHash = createHash('sha256').update(bytes).digest('hex');
  // Plans shipped beside the bundles (models/plans/, made by this same code, masks chosen automatically) make a
  // fresh server start at once; the key pins bundle, planner, SEAL and samples, so a stale one is never used. A
  // fixed mask strength uses them only when it is the strength they have.
  const shipped = await readStoredPlan(join(options.modelsDir, 'plans', `${planCacheKey(bundleHash)}.json`));
  if (shipped && (maskBits === undefined || (shipped.plan.blinding?.maskBits ?? 0) === maskBits)) return shipped;
  const file = options.planCacheDir && join(options.planCacheDir, `${planCacheKey(bundleHash, maskBits)}.json`);
  const cached = file ? await readStoredPlan(file) : undefined;
  if (cached) return cached;
  const started = performance.now();
  const { plan, maxAbsError, samples } = await options.pool.plan(bytes, [...SAMPLE_MOLECULES], maskBits).catch((error: Error) => { // prettier-ignore
    if (maskBits === undefined) throw error;
    throw new ConfigError(`${name}: no tc128 parameter set keeps the error target with ${maskBits}-bit masks; lower CHEMVEIL_MASK_BITS or unset it to let the server choose (${error.message.slice(0, 200)}…)`); // prettier-ignore
  });
  options.log.info(
    `planned ${name}: N=${plan.parameters.polyModulusDegree} [${plan.parameters.coeffModulusBits}], ` +
      `${plan.partitions.length} partitions, max error ${maxAbsError.toExponential(1)} on ${samples} molecules, ` +
      `${plan.blinding ? `intermediates blinded with ${plan.blinding.maskBits}-bit masks` : 'intermediates NOT blinded (no mask keeps the error target)'} ` + // prettier-ignore
      `(${Math.round(performance.now() - started)} ms)`,
  );
  if (file) {
    await mkdir(options.planCacheDir!, { recursive: true })
      .then(() => writeFile(file, JSON.stringify({ plan, maxAbsError })))
      .catch((error: Error) => options.log.warn(`plan cache not written: ${error.message}`));
  }
  return { plan, maxAbsError };
}

/**
 * Reads every `*.cvmb` in the models directory, plans each (cached by content hash) and has every worker encode
 * its weights. A bundle that does not parse is skipped with a warning; two bundles with one id are a config error.
 */
export async function loadModels(options: LoadModelsOptions): Promise<Map<string, LoadedModel>> {
  const models = new Map<string, LoadedModel>();
  let files: string[];
  try {
    files = (await readdir(options.modelsDir)).filter((f) => f.endsWith('.cvmb')).sort();
  } catch (error) {
    options.log.warn(`no models: cannot read ${options.modelsDir} (${(error as NodeJS.ErrnoException).code})`);
    return models;
  }
  const parsed: { id: string; file: string; bytes: Uint8Array; bundle: ModelBundle }[] = [];
  for (const file of files) {
    const bytes = new Uint8Array(await readFile(join(options.modelsDir, file)));
    let bundle: ModelBundle;
    try {
      bundle = parseBundle(bytes);
    } catch (error) {
      if (!(error instanceof InvalidBundleError)) throw error;
      options.log.warn(`skipping ${file}: ${error.message}`);
      continue;
    }
    const id = bundle.card?.id ?? basename(file, '.cvmb');
    if (!new RegExp(MODEL_ID_PATTERN).test(id)) {
      options.log.warn(`skipping ${file}: model id "${id}" is not URL-safe`);
      continue;
    }
    const clash = parsed.find((p) => p.id === id);
    if (clash) throw new ConfigError(`${clash.file} and ${file} both have the model id "${id}"`);
    parsed.push({ id, file, bytes, bundle });
  }
  await Promise.all(
    parsed.map(async ({ id, file, bytes, bundle }) => {
      const { plan } = await planFor(bytes, file, options);
      await options.pool.loadModel(id, bytes, plan);
      const summary: ModelSummary = {
        ...describeModel(bundle, id),
        featurizer: bundle.featurizer,
        head: bundle.head,
        plan,
        limits: uploadLimits(plan, options.maxCiphertextsPerRequest),
      };
      models.set(id, { id, file, bundle, plan, summary });
    }),
  );
  return new Map([...models].sort(([a], [b]) => a.localeCompare(b)));
}
