/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import type { EvaluationPlan, OutputHead, Prediction, SealLoader } from '@chemveil/core';
import { FheClient, type EvaluationKeys } from './client.ts';

/**
 * The FHE side of a Web Worker, loader-injectable (like the featurizer's `createFeaturizerApi`): the web app's
 * worker is `expose(createFheApi(browserLoader))`. SEAL loads lazily on the first `init`; one key set per
 * `keyId` (the web app uses model id + version + plan) is generated once and reused for the whole session.
 * Binary crosses threads by transfer. No method returns the secret key; decryptions come back only as the
 * model's outputs, which the UI shows.
 */
export function createFheApi(loader?: SealLoader) {
  const clients = new Map<string, Promise<FheClient>>();

  const client = async (keyId: string): Promise<FheClient> => {
    const found = clients.get(keyId);
    if (!found) throw new Error(`no keys for "${keyId}": call init first`);
    return found;
  };

  // Each underlying buffer once (postMessage refuses duplicates, e.g. several views into one SEAL output).
  const transferAll = (blobs: Uint8Array[]) =>
    Comlink.transfer(blobs, [...new Set(blobs.map((b) => b.buffer as ArrayBuffer))]);

  return {
    /** Generates (once per keyId) the secret key and the plan's evaluation keys; returns the public fingerprint. */
    async init(
      keyId: string,
      plan: EvaluationPlan,
      head?: OutputHead,
    ): Promise<{ fingerprint: string; keygenMs: number; reused: boolean }> {
      let pending = clients.get(keyId);
      const reused = pending !== undefined;
      if (!pending) {
        pending = FheClient.create(plan, { loader, head }).then((created) => {
          created.evaluationKeys(); // the slow part (rotation keys): paid once, here
          return created;
        });
        clients.set(keyId, pending);
        pending.catch(() => clients.delete(keyId));
      }
      const ready = await pending;
      return { fingerprint: await ready.keyFingerprint(), keygenMs: ready.timings.keygenMs, reused };
    },

    /** Public evaluation keys (copied, so the transfer does not detach the client's cached bytes). */
    async evaluationKeys(keyId: string): Promise<EvaluationKeys> {
      const keys = (await client(keyId)).evaluationKeys();
      const galoisKeys = keys.galoisKeys.slice();
      const relinKeys = keys.relinKeys?.slice();
      const publicKey = keys.publicKey.slice();
      const buffers = [galoisKeys.buffer, publicKey.buffer, ...(relinKeys ? [relinKeys.buffer] : [])] as ArrayBuffer[];
      return Comlink.transfer({ galoisKeys, ...(relinKeys ? { relinKeys } : {}), publicKey }, buffers);
    },

    async encrypt(keyId: string, features: ArrayLike<number>[]): Promise<Uint8Array[]> {
      return transferAll((await client(keyId)).encryptFeatures(features));
    },

    async refresh(keyId: string, partition: number, results: Uint8Array[], molecules: number): Promise<Uint8Array[]> {
      return transferAll((await client(keyId)).refresh(partition, results, molecules));
    },

    async decrypt(
      keyId: string,
      results: Uint8Array[],
      molecules: number,
    ): Promise<{ raw: Float64Array[]; predictions?: Prediction[] }> {
      const ready = await client(keyId);
      const raw = ready.decryptOutputs(results, molecules);
      return { raw, predictions: ready.hasHead ? ready.predictions(raw) : undefined };
    },

    /** Frees one key set (or all): the next init makes new keys. */
    async dispose(keyId?: string): Promise<void> {
      const ids = keyId === undefined ? [...clients.keys()] : [keyId];
      for (const id of ids) {
        const pending = clients.get(id);
        clients.delete(id);
        (await pending?.catch(() => undefined))?.dispose();
      }
    },
  };
}

export type FheApi = ReturnType<typeof createFheApi>;

/** Thin worker entry for callers that want the default loader: `new Worker(new URL('…/worker.ts'))`. */
export function exposeFheApi(loader?: SealLoader): FheApi {
  const api = createFheApi(loader);
  Comlink.expose(api);
  return api;
}
