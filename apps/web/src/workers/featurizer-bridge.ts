// The one owner of the featurizer worker. Stores call this; components never talk to workers.
import type { FeaturizerSpec } from '@chemveil/core';
import type { FeaturizeResult, InspectResult, ReadFileResult } from '@chemveil/featurizer';
import type { FeaturizerWorkerApi } from './featurizer.worker.ts';
import { WorkerBridge } from './worker-bridge.ts';

const bridge = new WorkerBridge<FeaturizerWorkerApi>(
  () => new Worker(new URL('./featurizer.worker.ts', import.meta.url), { type: 'module', name: 'featurizer' }),
  'chemistry engine',
);

export const featurizerBridge = {
  inspect: (input: string, depiction?: { width: number; height: number }) =>
    bridge.call<InspectResult>((api) => api.inspect(input, depiction)),
  featurize: (inputs: string[], spec: FeaturizerSpec, signal?: AbortSignal) =>
    bridge.call<FeaturizeResult[]>((api) => api.featurize(inputs, spec), signal),
  readMoleculeFile: (text: string, fileName: string, signal?: AbortSignal) =>
    bridge.call<ReadFileResult>((api) => api.readMoleculeFile(text, fileName), signal),
  restart: () => bridge.restart(),
};
