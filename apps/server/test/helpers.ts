import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, makeBundle, randomDense, seededRandom, serializeBundle } from '@chemveil/core';
import type { ErrorBody, ModelBundle, ModelCard, ModelSummary, SessionKeyBytes } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';
import { createApp } from '@chemveil/server';

/** A small regression model (no card: id and name from the file stem). */
export function smallRegression(): ModelBundle {
  const random = seededRandom(11);
  return makeBundle({ name: 'small', inputLength: 64, layers: [randomDense(64, 16, random), { kind: 'square' }, randomDense(16, 1, random)] }); // prettier-ignore
}

/** A small binary classifier with a card. */
export function smallClassifier(): ModelBundle {
  const random = seededRandom(12);
  const bundle = makeBundle({
    name: 'Tiny toxicity',
    inputLength: 128,
    layers: [randomDense(128, 8, random), { kind: 'poly2', a: 0.125, b: 0.5, c: 0.25 }, randomDense(8, 1, random)],
    head: { kind: 'binary', tasks: [{ name: 'toxic', positiveLabel: 'toxic', negativeLabel: 'non-toxic' }] },
  });
  const card: ModelCard = {
    id: 'tiny-tox',
    version: '1.0.0',
    title: 'Toxicity (test model)',
    task: 'classification',
    classes: ['non-toxic', 'toxic'],
    reading: [{ below: null, label: 'any' }],
    trainingData: { name: 'none', molecules: 0, source: 'random weights', licence: 'MIT', split: 'none' },
    metrics: { auc: { mean: 0.5, sd: 0, seeds: 1 } },
    limitations: ['random weights'],
  };
  return { ...bundle, card, metrics: { auc: 0.5 } };
}

/** Writes bundles into a fresh models directory; returns it and a plan cache shared by the test's apps. */
export function modelsDir(bundles: Record<string, ModelBundle>): { modelsDir: string; planCacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'chemveil-server-'));
  const dir = join(root, 'models');
  mkdirSync(dir);
  for (const [file, bundle] of Object.entries(bundles)) writeFileSync(join(dir, file), serializeBundle(bundle));
  return { modelsDir: dir, planCacheDir: join(root, 'plans') };
}

export const octets = { 'content-type': 'application/octet-stream' };

/** A session upload: Galois keys, relinearization keys (when the plan squares), public key. */
export const keysFrame = (keys: SessionKeyBytes): Buffer =>
  Buffer.from(encodeFrame({ kind: 'evaluation-keys', partition: 0, molecules: 0, blobs: [keys.galoisKeys, ...(keys.relinKeys ? [keys.relinKeys] : []), keys.publicKey] })); // prettier-ignore

export const queryFrame = (partition: number, molecules: number, blobs: Uint8Array[]): Buffer =>
  Buffer.from(encodeFrame({ kind: 'query', partition, molecules, blobs }));

/** The stable error shape of a failed response. */
export const errorOf = (response: { json: () => unknown }) => (response.json() as ErrorBody).error;

/**
 * A client and its public keys for `modelId` in `dirs`: a throwaway one-worker app plans the model once (filling
 * the shared plan cache, so the tests' own apps start fast) and is closed again.
 */
export async function clientFor(dirs: ReturnType<typeof modelsDir>, modelId: string) {
  const probe = createApp({ ...dirs, workers: 1 });
  await probe.ready();
  const model: ModelSummary = (await probe.inject({ url: `/v1/models/${modelId}` })).json();
  await probe.close();
  const client = await FheClient.create(model.plan);
  return { client, keys: client.evaluationKeys() };
}
