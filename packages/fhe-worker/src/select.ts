import { blindedTransport, MASK_BITS_LADDER, ModelEngine, PARAMETER_CANDIDATES, PlanningError, planModel, referenceForward } from '@chemveil/core'; // prettier-ignore
import type { CkksParameters, EvaluationPlan, ModelBundle, PlanOptions, SealLoader } from '@chemveil/core';
import { FheClient } from './client.ts';

/**
 * A masked plan must measure ≤ target / this in each of MASKED_ERROR_RUNS runs on the samples. Masked plans sit
 * close to the target, and the samples are not every molecule: on 200 held-out ESOL molecules the max error of a
 * random test network reached 3–4× its selection measurement (fresh keys, noise and masks each run, activations
 * past the sampled ones), so 3 was not enough.
 */
export const MASKED_ERROR_MARGIN = 5;
export const MASKED_ERROR_RUNS = 3;

export interface ParameterTrial {
  parameters: CkksParameters;
  estimatedServerMs?: number;
  evaluationKeyBytes?: number;
  maxAbsError?: number;
  maskBits?: number;
  rejected?: string;
}

export interface PlanSelection {
  plan: EvaluationPlan;
  maxAbsError: number;
  trials: ParameterTrial[];
}

/**
 * Max |encrypted − float64 reference| over the samples, running the plan for real (keys, encrypt, evaluate), with
 * the blinded refresh on exactly as the server runs it.
 */
export async function measurePlanError(
  plan: EvaluationPlan,
  bundle: ModelBundle,
  samples: ArrayLike<number>[],
  loader?: SealLoader,
): Promise<number> {
  const engine = await ModelEngine.create(plan, bundle, loader);
  const client = await FheClient.create(plan, { loader });
  const session = engine.openSession(client.evaluationKeys());
  try {
    const outputs = await client.infer(samples, blindedTransport(session, plan, samples.length));
    let worst = 0;
    samples.forEach((x, m) => {
      const expected = referenceForward(bundle, x);
      expected.forEach((y, i) => (worst = Math.max(worst, Math.abs(outputs[m]![i]! - y))));
    });
    return worst;
  } finally {
    session.dispose();
    client.dispose();
    engine.dispose();
  }
}

/**
 * Masks at least this strong are worth a costlier chain: below it, extraction takes ~2^bits queries per bound,
 * which rate limits barely price (2^16 at 6,000 a minute is 11 minutes).
 */
export const PREFERRED_MASK_BITS = 16;

/**
 * Automatic parameter selection: privacy first, then speed. Every tc128 candidate the network fits is ordered by
 * estimated server time per molecule, then evaluation-key bytes. The cheapest candidate that holds masks of at
 * least PREFERRED_MASK_BITS wins, with the strongest rung of MASK_BITS_LADDER it holds (so the shipped models get
 * 32 bits on the three-prime chain, while a network the two-prime chains mask well keeps their speed). If none
 * does, the weaker rungs are tried the same way, strongest first, down to 0 (unblinded). "Holds" means its error
 * measured on the samples with masks on meets a fifth of the target in each of three runs (the target itself for
 * an unblinded plan), plus the final flood's half-width. `maskBits` fixes the rung.
 */
export async function selectPlan(
  bundle: ModelBundle,
  samples: ArrayLike<number>[],
  options: Omit<PlanOptions, 'parameters' | 'samples'> & { maxAbsError?: number; loader?: SealLoader } = {},
): Promise<PlanSelection> {
  const target = options.maxAbsError ?? 1e-3;
  const trials: ParameterTrial[] = [];
  const ladder = options.maskBits !== undefined ? [options.maskBits] : MASK_BITS_LADDER;
  const plan = (parameters: CkksParameters, maskBits: number): EvaluationPlan | undefined => {
    try {
      return planModel(bundle, { ...options, maskBits, parameters, samples });
    } catch (error) {
      if (!(error instanceof PlanningError)) throw error;
      trials.push({ parameters, maskBits, rejected: error.message });
      return undefined;
    }
  };
  /** Measures and records one candidate at one rung; its measured error when it holds the rung. */
  const holds = async (candidate: EvaluationPlan | undefined, maskBits: number): Promise<number | undefined> => {
    if (!candidate) return undefined;
    const weakest = candidate.blinding?.maskBits ?? 0;
    if (weakest < maskBits) {
      trials.push({ parameters: candidate.parameters, maskBits, rejected: `masks fit only ${weakest} bits` });
      return undefined;
    }
    // A plan at the edge would miss the target on the next molecules (see MASKED_ERROR_MARGIN). The final flood
    // is bounded exactly (uniform on [−F, F]), so it is added, not scaled by the margin.
    const flood = candidate.partitions[candidate.partitions.length - 1]!.output.floodRange ?? 0;
    const accepted = (maskBits > 0 ? target / MASKED_ERROR_MARGIN : target) + flood;
    let maxAbsError = 0;
    for (let run = 0; run < (maskBits > 0 ? MASKED_ERROR_RUNS : 1) && maxAbsError <= accepted; run++)
      maxAbsError = Math.max(maxAbsError, await measurePlanError(candidate, bundle, samples, options.loader));
    const trial: ParameterTrial = {
      parameters: candidate.parameters,
      estimatedServerMs: candidate.estimates.serverMs,
      evaluationKeyBytes: candidate.estimates.evaluationKeyBytes,
      maxAbsError,
      maskBits,
    };
    trials.push(trial);
    if (maxAbsError <= accepted) return maxAbsError;
    trial.rejected = `measured error ${maxAbsError.toExponential(2)} > ${accepted}`;
    return undefined;
  };
  // Cost does not depend on the masks (same rotations and products), so candidates are ranked once.
  const ranked = PARAMETER_CANDIDATES.flatMap((parameters) => {
    const ranking = plan(parameters, 0);
    return ranking ? [{ parameters, ranking }] : [];
  }).sort(
    ({ ranking: a }, { ranking: b }) =>
      a.estimates.serverMs / a.moleculesPerCiphertext - b.estimates.serverMs / b.moleculesPerCiphertext ||
      a.estimates.evaluationKeyBytes - b.estimates.evaluationKeyBytes,
  );
  const strong = ladder.filter((bits) => bits >= PREFERRED_MASK_BITS);
  for (const { parameters } of ranked)
    for (const maskBits of strong) {
      const candidate = plan(parameters, maskBits);
      const maxAbsError = await holds(candidate, maskBits);
      if (maxAbsError !== undefined) return { plan: candidate!, maxAbsError, trials };
    }
  for (const maskBits of ladder.filter((bits) => bits < PREFERRED_MASK_BITS))
    for (const { parameters, ranking } of ranked) {
      const candidate = maskBits === 0 ? ranking : plan(parameters, maskBits);
      const maxAbsError = await holds(candidate, maskBits);
      if (maxAbsError !== undefined) return { plan: candidate!, maxAbsError, trials };
    }
  throw new PlanningError(`no tc128 parameter set reaches max abs error ${target}: ${JSON.stringify(trials)}`);
}
