import { ModelEngine, PARAMETER_CANDIDATES, PlanningError, planModel, referenceForward } from '@chemveil/core';
import type { CkksParameters, EvaluationPlan, ModelBundle, PlanOptions, SealLoader } from '@chemveil/core';
import { FheClient } from './client.ts';

export interface ParameterTrial {
  parameters: CkksParameters;
  estimatedServerMs?: number;
  evaluationKeyBytes?: number;
  maxAbsError?: number;
  rejected?: string;
}

export interface PlanSelection {
  plan: EvaluationPlan;
  maxAbsError: number;
  trials: ParameterTrial[];
}

/** Max |encrypted − float64 reference| over the samples, running the plan for real (keys, encrypt, evaluate). */
export async function measurePlanError(
  plan: EvaluationPlan,
  bundle: ModelBundle,
  samples: ArrayLike<number>[],
  loader?: SealLoader,
): Promise<number> {
  const engine = await ModelEngine.create(plan, bundle, loader);
  const client = await FheClient.create(plan, { loader });
  const session = engine.openSession(client.evaluationKeys().galoisKeys);
  try {
    const outputs = await client.infer(samples, async (k, cts) => session.evaluatePartition(k, cts));
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
 * Automatic parameter selection: every tc128 candidate the network fits is planned, ordered by estimated server
 * time then evaluation-key bytes, and the first whose measured error on the samples meets the target wins.
 */
export async function selectPlan(
  bundle: ModelBundle,
  samples: ArrayLike<number>[],
  options: Omit<PlanOptions, 'parameters' | 'samples'> & { maxAbsError?: number; loader?: SealLoader } = {},
): Promise<PlanSelection> {
  const target = options.maxAbsError ?? 1e-3;
  const trials: ParameterTrial[] = [];
  const plans: EvaluationPlan[] = [];
  for (const parameters of PARAMETER_CANDIDATES) {
    try {
      const plan = planModel(bundle, { ...options, parameters, samples });
      plans.push(plan);
    } catch (error) {
      if (!(error instanceof PlanningError)) throw error;
      trials.push({ parameters, rejected: error.message });
    }
  }
  plans.sort(
    (a, b) =>
      a.estimates.serverMs / a.moleculesPerCiphertext - b.estimates.serverMs / b.moleculesPerCiphertext ||
      a.estimates.evaluationKeyBytes - b.estimates.evaluationKeyBytes,
  );
  for (const plan of plans) {
    const maxAbsError = await measurePlanError(plan, bundle, samples, options.loader);
    const trial: ParameterTrial = {
      parameters: plan.parameters,
      estimatedServerMs: plan.estimates.serverMs,
      evaluationKeyBytes: plan.estimates.evaluationKeyBytes,
      maxAbsError,
    };
    trials.push(trial);
    if (maxAbsError <= target) return { plan, maxAbsError, trials };
    trial.rejected = `measured error ${maxAbsError.toExponential(2)} > ${target}`;
  }
  throw new PlanningError(`no tc128 parameter set reaches max abs error ${target}: ${JSON.stringify(trials)}`);
}
