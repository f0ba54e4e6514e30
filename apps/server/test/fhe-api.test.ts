import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expose, proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { applyOutputHead, ChemVeilHttpClient, NetworkError, ProtocolError, referenceForward } from '@chemveil/core';
import type { ModelBundle, ModelSummary, Prediction, RequestEvent } from '@chemveil/core';
import { createFheApi, keepProtocolErrors, type FheApi, type FheStep } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, mintToken } from '@chemveil/server';
import { modelsDir, smallClassifier, smallRegression } from './helpers.ts';
import { heldOutFeatures } from '../../../stress/molecules.ts';

// The FHE worker's API as the web app drives it: behind comlink (a MessageChannel here, a Worker in the browser),
// callbacks passed with `proxy`, errors kept by `keepProtocolErrors`; real SEAL, a real server on loopback, and
// `fetch` called by the API itself. The caller gets predictions, a fingerprint and metadata, nothing else.
const small = smallRegression();
const tiny = smallClassifier();
const app = createApp({ ...modelsDir({ 'small.cvmb': small, 'tiny.cvmb': tiny }), workers: 1 });
const channel = new MessageChannel();
let api: Remote<FheApi>;
let url: string;

/** The plaintext model's prediction: the reference forward pass through the same output head. */
const plaintext = (bundle: ModelBundle, model: ModelSummary, x: ArrayLike<number>): Prediction =>
  applyOutputHead(model.head, referenceForward(bundle, Float64Array.from(x)));

const valueOf = (p: Prediction): number =>
  p.kind === 'regression' ? p.values[0]!.value : p.kind === 'binary' ? p.tasks[0]!.probability : NaN;

beforeAll(async () => {
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  keepProtocolErrors(); // one realm here: both ends of the channel share comlink's handlers
  expose(createFheApi(), channel.port1);
  api = wrap<FheApi>(channel.port2);
});
afterAll(async () => {
  api[releaseProxy]();
  channel.port1.close();
  await app.close();
});

describe('createFheApi().query: the encrypted-query driver inside the FHE worker', () => {
  let model: ModelSummary;
  const keyId = 'small on the test server';

  it('returns predictions equal to the plaintext model, reporting requests and steps as metadata only', async () => {
    model = await new ChemVeilHttpClient(url).getModel('small');
    const { fingerprint } = await api.init(keyId, model.plan);
    const features = await heldOutFeatures(small, 60);
    const [events, steps, progress] = [[] as RequestEvent[], [] as FheStep[], [] as number[]];
    const result = await api.query(
      { id: 1, keyId, serverUrl: url, model, features, concurrency: 2 },
      proxy((event: RequestEvent) => events.push(event)),
      proxy((step: FheStep) => steps.push(step)),
      proxy((done: number) => progress.push(done)),
    );
    expect(result.fingerprint).toBe(fingerprint);
    expect(result.predictions).toHaveLength(60);
    result.predictions.forEach((p, i) => {
      expect(p.kind).toBe('regression');
      expect(Math.abs(valueOf(p) - valueOf(plaintext(small, model, features[i]!)))).toBeLessThanOrEqual(1e-3);
    });
    // Every event was delivered before the call returned: keys once, then one request per partition.
    const partitions = model.plan.partitions.length;
    expect(events.map((e) => e.kind)).toEqual(['public-keys', ...Array<string>(partitions).fill('ciphertext')]);
    expect(events.every((e) => e.status < 300 && e.bytesSent > 0)).toBe(true);
    expect(events.every((e) => Object.values(e).every((v) => typeof v === 'string' || typeof v === 'number'))).toBe(true); // prettier-ignore
    expect(steps.map((s) => s.step)).toEqual(['encrypt', ...Array<string>(partitions - 1).fill('refresh'), 'decrypt']); // prettier-ignore
    expect(steps.every((s) => s.ms >= 0)).toBe(true);
    expect(progress).toEqual([60]);

    // The key set's session is reused: no second key upload.
    const again: RequestEvent[] = [];
    const second = await api.query({ id: 2, keyId, serverUrl: url, model, features: features.slice(0, 3) }, proxy((e: RequestEvent) => again.push(e))); // prettier-ignore
    expect(Math.abs(valueOf(second.predictions[2]!) - valueOf(result.predictions[2]!))).toBeLessThanOrEqual(1e-3);
    expect(again.map((e) => e.kind)).toEqual(Array<string>(partitions).fill('ciphertext'));
  });

  it('applies a classifier head once: probabilities equal the plaintext model’s', async () => {
    const classifier = await new ChemVeilHttpClient(url).getModel('tiny-tox');
    const features = await heldOutFeatures(tiny, 5);
    const { predictions } = await api.query({ id: 3, keyId: 'tiny-tox', serverUrl: url, model: classifier, features }); // prettier-ignore
    predictions.forEach((p, i) => {
      expect(p.kind).toBe('binary');
      expect(Math.abs(valueOf(p) - valueOf(plaintext(tiny, classifier, features[i]!)))).toBeLessThanOrEqual(1e-3);
    });
  });

  it('cancels a running query (the keys stay), and keeps protocol errors’ codes across the boundary', async () => {
    const features = await heldOutFeatures(small, 100);
    const running = api.query({ id: 4, keyId, serverUrl: url, model, features });
    await api.cancel(4);
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    const { predictions } = await api.query({ id: 5, keyId, serverUrl: url, model, features: features.slice(0, 2) });
    expect(Math.abs(valueOf(predictions[1]!) - valueOf(plaintext(small, model, features[1]!)))).toBeLessThanOrEqual(1e-3); // prettier-ignore

    // A model the server does not have (through a second protocol client, `url/`, so no session is cached yet).
    const refused = await api
      .openSession({ keyId, serverUrl: `${url}/`, model: { ...model, id: 'gone' } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
    const unreachable = api.openSession({ keyId, serverUrl: 'http://127.0.0.1:9', model });
    await expect(unreachable).rejects.toBeInstanceOf(NetworkError);
  });

  it('sends the API token a server with accounts asks for, from the worker; without it the code is UNAUTHORIZED', async () => {
    const { token, line } = mintToken('chemist');
    const file = join(mkdtempSync(join(tmpdir(), 'chemveil-tokens-')), 'tokens');
    writeFileSync(file, `${line}\n`);
    const guarded = createApp({ ...modelsDir({ 'small.cvmb': small }), workers: 1, tokensFile: file });
    try {
      const guardedUrl = await guarded.listen({ host: '127.0.0.1', port: 0 });
      const summary = await new ChemVeilHttpClient(guardedUrl, { token }).getModel('small');
      const features = await heldOutFeatures(small, 3);
      const refused = await api.query({ id: 6, keyId, serverUrl: guardedUrl, model: summary, features }).catch((e: unknown) => e); // prettier-ignore
      expect(refused).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      const { predictions } = await api.query({ id: 7, keyId, serverUrl: guardedUrl, token, model: summary, features });
      features.forEach((x, i) => expect(Math.abs(valueOf(predictions[i]!) - valueOf(plaintext(small, summary, x)))).toBeLessThanOrEqual(1e-3)); // prettier-ignore
    } finally {
      await guarded.close();
    }
  });
});
