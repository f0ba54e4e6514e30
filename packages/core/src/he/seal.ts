import type { SEALLibrary } from 'node-seal/implementation/seal';

export type { SEALLibrary };

/** Returns the SEAL library; the browser passes its own (e.g. the web/worker build, or one with locateFile). */
export type SealLoader = () => Promise<SEALLibrary>;

/** Pinned: client and server must run the same SEAL build, or serialized headers and keys will not match. */
export const NODE_SEAL_VERSION = '6.0.3';

const defaultLoader: SealLoader = async () => (await import('node-seal')).default();

let sealPromise: Promise<SEALLibrary> | undefined;
let wasmMemory: WebAssembly.Memory | undefined;

/**
 * Loads SEAL once per realm (module-level promise, started lazily on first use, never at import). While it loads,
 * WebAssembly.instantiate is observed to keep a handle on SEAL's linear memory, so tests can watch the heap.
 */
export function loadSeal(loader: SealLoader = defaultLoader): Promise<SEALLibrary> {
  if (!sealPromise) {
    const api = WebAssembly as unknown as { instantiate: (...args: unknown[]) => Promise<unknown> };
    const original = api.instantiate;
    api.instantiate = async (...args: unknown[]) => {
      const result = (await original.apply(WebAssembly, args)) as { instance?: WebAssembly.Instance };
      const exports = (result.instance ?? (result as WebAssembly.Instance)).exports ?? {};
      const memory = Object.values(exports).find((value) => value instanceof WebAssembly.Memory);
      if (memory) wasmMemory = memory as WebAssembly.Memory;
      return result;
    };
    sealPromise = loader().then(
      (seal) => {
        api.instantiate = original;
        if (seal.Version !== NODE_SEAL_VERSION)
          throw new Error(`node-seal ${seal.Version} loaded, ${NODE_SEAL_VERSION} expected (serialization must match)`);
        return seal;
      },
      (error: unknown) => {
        api.instantiate = original;
        sealPromise = undefined;
        throw error;
      },
    );
  }
  return sealPromise;
}

/** Bytes of SEAL's WASM linear memory (grows, never shrinks: a leak shows up as growth), or undefined if unseen. */
export function sealHeapBytes(): number | undefined {
  return wasmMemory?.buffer.byteLength;
}
