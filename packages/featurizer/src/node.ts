// Node entry: RDKit's WASM read from node_modules. Browser code imports '@chemveil/featurizer' and starts RDKit
// from the served .wasm instead (apps/web/src/workers/featurizer.worker.ts).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import initRDKitModule from '@rdkit/rdkit';
import { Featurizer } from './featurizer.ts';
import { lazyOnce, startRDKit, type RDKitFactory } from './rdkit.ts';

export * from './index.ts';

const wasmPath = createRequire(import.meta.url).resolve('@rdkit/rdkit/RDKit_minimal.wasm');

/** A new, independent RDKit instance (tests use this to watch one instance's heap). */
export async function createNodeFeaturizer(): Promise<Featurizer> {
  const bytes = await readFile(wasmPath);
  const { rdkit, memory } = await startRDKit(initRDKitModule as unknown as RDKitFactory, (imports) =>
    WebAssembly.instantiate(bytes, imports),
  );
  return new Featurizer(rdkit, memory);
}

/** The process's shared featurizer: RDKit starts on the first call, once. */
export const loadFeaturizer = lazyOnce(createNodeFeaturizer);
