import type { MainModule as RDKitModule, Log as RDKitLog, Mol as RDKitMol } from '@rdkit/rdkit';

export type { RDKitModule, RDKitLog, RDKitMol };

type InstantiateWasm = (
  imports: WebAssembly.Imports,
  receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
) => object;

/** The emscripten factory `@rdkit/rdkit` exports. */
export type RDKitFactory = (options?: { instantiateWasm?: InstantiateWasm }) => Promise<RDKitModule>;

export interface StartedRDKit {
  rdkit: RDKitModule;
  /** The module's linear memory, so callers can watch the heap for leaks. */
  memory: WebAssembly.Memory | undefined;
}

/**
 * Starts RDKit, instantiating the WASM ourselves (emscripten's `instantiateWasm` hook) so the same code works with
 * bytes read from node_modules in Node and a streamed fetch of the served .wasm in a browser worker — and so we
 * hold the instance's memory.
 */
export async function startRDKit(
  factory: RDKitFactory,
  instantiate: (imports: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>,
): Promise<StartedRDKit> {
  let memory: WebAssembly.Memory | undefined;
  const rdkit = await factory({
    instantiateWasm(imports, receive) {
      instantiate(imports).then(({ instance, module }) => {
        const exported = Object.values(instance.exports).find((x) => x instanceof WebAssembly.Memory);
        const imported = Object.values(imports).flatMap((ns) => Object.values(ns as object));
        memory = (exported ?? imported.find((x) => x instanceof WebAssembly.Memory)) as WebAssembly.Memory | undefined;
        receive(instance, module);
      });
      return {}; // emscripten: "instantiation is asynchronous, exports come through receive()"
    },
  });
  return { rdkit, memory };
}

/**
 * Runs `start` lazily and once per realm (thread): the first caller pays the ~200 ms WASM start, later callers share
 * the result. Never at import time, so importing the featurizer stays free. A failed start may be retried.
 */
export function lazyOnce<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    started ??= start().catch((error: unknown) => {
      started = undefined;
      throw error;
    });
    return started;
  };
}
