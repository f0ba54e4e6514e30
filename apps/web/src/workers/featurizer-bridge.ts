// The one owner of the featurizer worker (squoosh's bridge pattern): starts it lazily, restarts it after a crash,
// and is the only place that calls `new Worker`. Stores call this; components never talk to workers.
import { wrap, type Remote } from 'comlink';
import type { FeaturizerWorkerApi } from './featurizer.worker.ts';

let worker: Worker | undefined;
let remote: Remote<FeaturizerWorkerApi> | undefined;

function start(): Remote<FeaturizerWorkerApi> {
  if (!remote) {
    worker = new Worker(new URL('./featurizer.worker.ts', import.meta.url), { type: 'module', name: 'featurizer' });
    worker.addEventListener('error', restart);
    remote = wrap<FeaturizerWorkerApi>(worker);
  }
  return remote;
}

/** Drops a crashed or stuck worker; the next call starts a fresh one. */
export function restart(): void {
  worker?.terminate();
  worker = undefined;
  remote = undefined;
}

export const featurizerBridge = {
  inspect: (input: string, depiction?: { width: number; height: number }) => start().inspect(input, depiction),
};
