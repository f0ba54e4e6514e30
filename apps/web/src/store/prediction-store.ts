import { create } from 'zustand';
import type { ModelSummary } from '@chemveil/core';
import { displayPrediction, formatBytes } from '../features/predict/format.ts';
import type { SharedResult } from '../features/share/share-link.ts';
import { featurizerBridge } from '../workers/featurizer-bridge.ts';
import { InferenceError, type FheStep } from '../workers/encrypted-inference.ts';
import { useHistoryStore } from './history-store.ts';
import { inference } from './inference.ts';
import { selectedModel, useModelsStore } from './models-store.ts';
import { useMoleculeStore } from './molecule-store.ts';
import { usePrivacyStore } from './privacy-store.ts';

export interface Step {
  id: string;
  label: string;
  ms?: number;
  note?: string;
}

export interface PredictionOutcome {
  result: SharedResult;
  fingerprint: string;
  totalMs: number;
  /** Set when the server's model changed and the prediction used its new version. */
  modelNote?: string;
}

/** Updates one step: a patch, or a function of the step as it is (to add to it). */
export type StepReporter = (id: string, patch: Partial<Step> | ((step: Step) => Partial<Step>)) => void;

export const updateSteps = (steps: Step[], id: string, patch: Parameters<StepReporter>[1]): Step[] =>
  steps.map((s) => (s.id === id ? { ...s, ...(typeof patch === 'function' ? patch(s) : patch) } : s));

/** The steps of one encrypted prediction for a plan with `partitions` partitions, in order. */
export function plannedSteps(partitions: number): Step[] {
  const steps: Step[] = [
    { id: 'featurize', label: 'Featurize (RDKit, in this browser)' },
    { id: 'keys', label: 'Keys (generated once per session, in this browser)' },
    { id: 'encrypt', label: 'Encrypt (CKKS, in this browser)' },
  ];
  for (let k = 0; k < partitions; k++) {
    steps.push({ id: `partition-${k}`, label: `Server: partition ${k + 1} of ${partitions} (on ciphertexts)` });
    if (k < partitions - 1) steps.push({ id: `refresh-${k}`, label: 'Refresh (decrypt, re-encrypt in this browser)' });
  }
  steps.push({ id: 'decrypt', label: 'Decrypt the result (in this browser)' });
  return steps;
}

const stepIdOf = (step: FheStep): string =>
  step.step === 'refresh' ? `refresh-${step.partition}` : step.step === 'encrypt' ? 'encrypt' : 'decrypt';

/**
 * One encrypted prediction for one molecule, reporting each step; shared by the predict view and the re-verification
 * of a share link. Throws InferenceError (or an Error with RDKit's message for an invalid molecule).
 */
export async function predictOne(
  input: string,
  model: ModelSummary,
  report: StepReporter,
  signal?: AbortSignal,
): Promise<PredictionOutcome> {
  const started = performance.now();
  let t = performance.now();
  const [featurized] = await featurizerBridge.featurize([input], model.featurizer, signal);
  if (!featurized?.ok) throw new Error(featurized?.error.message ?? 'The molecule could not be featurized.');
  report('featurize', { ms: performance.now() - t });

  t = performance.now();
  const client = await inference().prepareKeys(model, signal);
  const background = performance.now() - t < client.keygenMs ? ' when the model was chosen' : '';
  report('keys', {
    ms: performance.now() - t,
    note: client.used ? 'reused from earlier in this session' : `generated in ${Math.round(client.keygenMs)} ms${background}`, // prettier-ignore
  });
  client.used = true;
  usePrivacyStore.getState().addFingerprint(model.title, client.fingerprint);

  // Partition timings come from the request log (what the server took, network included).
  const unsubscribe = usePrivacyStore.subscribe((state, previous) => {
    const event = state.requests[0];
    if (!event || event === previous.requests[0]) return;
    if (event.kind === 'ciphertext' && event.partition !== undefined)
      report(`partition-${event.partition}`, { ms: event.durationMs });
    if (event.kind === 'public-keys')
      report('keys', (step) => ({
        ms: (step.ms ?? 0) + event.durationMs,
        note: `${step.note ? `${step.note}; ` : ''}public evaluation keys uploaded (${formatBytes(event.bytesSent)})`,
      }));
  });
  let modelNote: string | undefined;
  try {
    const outcome = await inference().predict(model, [featurized.features], {
      signal,
      onStep: (step) => report(stepIdOf(step), { ms: step.ms }),
      onModelChanged: (fresh) => {
        useModelsStore.getState().replace(fresh);
        modelNote = `The server updated “${fresh.title}” (version ${model.version ?? '?'} → ${fresh.version ?? '?'}); this prediction used the new version.`;
      },
    });
    const used = outcome.model;
    return {
      result: {
        v: 1,
        molecule: input,
        model: { id: used.id, ...(used.version ? { version: used.version } : {}), title: used.title },
        prediction: displayPrediction(used, outcome.predictions[0]!),
        date: new Date().toISOString(),
      },
      fingerprint: outcome.fingerprint,
      totalMs: performance.now() - started,
      ...(modelNote ? { modelNote } : {}),
    };
  } finally {
    unsubscribe();
  }
}

interface PredictionState {
  status: 'idle' | 'running' | 'done' | 'error';
  steps: Step[];
  outcome: PredictionOutcome | undefined;
  error: string | undefined;
  /** The input the outcome is for (a new input makes the result stale, not wrong: it stays, marked). */
  predictedInput: string | undefined;
  predict(): Promise<void>;
  cancel(): void;
}

let controller: AbortController | undefined;

export const usePredictionStore = create<PredictionState>((set, get) => ({
  status: 'idle',
  steps: [],
  outcome: undefined,
  error: undefined,
  predictedInput: undefined,
  async predict() {
    const model = selectedModel(useModelsStore.getState());
    const { input, status } = useMoleculeStore.getState();
    if (!model || status !== 'valid' || get().status === 'running') return;
    controller = new AbortController();
    const signal = controller.signal;
    set({ status: 'running', steps: plannedSteps(model.plan.partitions.length), error: undefined });
    const report: StepReporter = (id, patch) => set((state) => ({ steps: updateSteps(state.steps, id, patch) }));
    try {
      const outcome = await predictOne(input, model, report, signal);
      useHistoryStore.getState().add(outcome.result);
      set({ status: 'done', outcome, predictedInput: input });
    } catch (error) {
      const message = error instanceof InferenceError || error instanceof Error ? error.message : String(error);
      set({ status: 'error', error: signal.aborted ? 'Cancelled.' : message });
    }
  },
  cancel() {
    controller?.abort(new DOMException('Cancelled', 'AbortError'));
  },
}));
