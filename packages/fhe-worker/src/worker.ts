/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import type { EvaluationPlan, OutputHead, Prediction } from '@chemveil/core';
import { FheClient } from './client.ts';

// The module Web Worker side of the FHE client: SEAL loads lazily on `init`, binary crosses threads by transfer,
// and no method returns the secret key or intermediate decryptions.
let client: FheClient | undefined;

const ready = (): FheClient => {
  if (!client) throw new Error('call init(plan) first');
  return client;
};

const transferAll = (buffers: Uint8Array[]) =>
  Comlink.transfer(
    buffers,
    buffers.map((b) => b.buffer as ArrayBuffer),
  );

const api = {
  async init(plan: EvaluationPlan, head?: OutputHead): Promise<{ fingerprint: string; keygenMs: number }> {
    client?.dispose();
    client = await FheClient.create(plan, { head });
    ready().evaluationKeys();
    return { fingerprint: await ready().keyFingerprint(), keygenMs: ready().timings.keygenMs };
  },
  evaluationKeys(): Uint8Array {
    // Copied so the transfer does not detach the client's cached bytes.
    const keys = ready().evaluationKeys().galoisKeys.slice();
    return Comlink.transfer(keys, [keys.buffer]);
  },
  encrypt(features: Float64Array[]): Uint8Array[] {
    return transferAll(ready().encryptFeatures(features));
  },
  refresh(partition: number, results: Uint8Array[], molecules: number): Uint8Array[] {
    return transferAll(ready().refresh(partition, results, molecules));
  },
  decrypt(results: Uint8Array[], molecules: number): { raw: Float64Array[]; predictions?: Prediction[] } {
    const raw = ready().decryptOutputs(results, molecules);
    return { raw, predictions: ready().hasHead ? ready().predictions(raw) : undefined };
  },
  dispose(): void {
    client?.dispose();
    client = undefined;
  },
};

export type FheApi = typeof api;

Comlink.expose(api);
