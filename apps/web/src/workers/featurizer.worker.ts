// The featurizer worker: RDKit WASM off the main thread. RDKit starts on the first call (lazyOnce), from the .wasm
// that Vite serves and fingerprints (`?url`), so it works offline and is served as application/wasm.
import { expose, transfer } from 'comlink';
import initRDKitModule from '@rdkit/rdkit';
import wasmUrl from '@rdkit/rdkit/RDKit_minimal.wasm?url';
import { createFeaturizerApi, Featurizer, lazyOnce, startRDKit, type RDKitFactory } from '@chemveil/featurizer';
import type { FeaturizerSpec } from '@chemveil/core';

const loadFeaturizer = lazyOnce(async () => {
  const { rdkit, memory } = await startRDKit(initRDKitModule as unknown as RDKitFactory, (imports) =>
    WebAssembly.instantiateStreaming(fetch(wasmUrl), imports),
  );
  return new Featurizer(rdkit, memory);
});

const base = createFeaturizerApi(loadFeaturizer);
const api = {
  ...base,
  /** Feature vectors move to the main thread by transfer, not by copy. */
  async featurize(inputs: string[], spec: FeaturizerSpec) {
    const results = await base.featurize(inputs, spec);
    return transfer(
      results,
      results.flatMap((r) => (r.ok ? [r.features.buffer as ArrayBuffer] : [])),
    );
  },
};
expose(api);

export type FeaturizerWorkerApi = typeof api;
