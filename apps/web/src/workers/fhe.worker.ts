// The FHE worker: SEAL (WASM) off the main thread, holding this browser session's secret keys, and the
// encrypted-query driver, which calls fetch from here. The module build of node-seal embeds its WASM as base64; the
// cf_worker build instead takes a compiled module, so the .wasm is a separate, fingerprinted file (`?url`),
// compiled while it streams, and only fetched for the first key set.
import { expose } from 'comlink';
import sealFactory from 'node-seal/throws_wasm_cf_worker_es';
import sealWasmUrl from 'node-seal/seal_throws_wasm_cf_worker.wasm?url';
import { createFheApi, keepProtocolErrors } from '@chemveil/fhe-worker';
import type { SealLoader } from '@chemveil/core';

const loadBrowserSeal: SealLoader = async () => sealFactory(await WebAssembly.compileStreaming(fetch(sealWasmUrl)));

keepProtocolErrors(); // the main thread explains failures by their protocol code
const api = createFheApi(loadBrowserSeal);
expose(api);

export type FheWorkerApi = typeof api;
