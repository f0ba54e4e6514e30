import {
  decodeFrame,
  forwardStages,
  lowerBundle,
  QUERY_HEADER,
  randomFingerprints,
  referenceForward,
  seededRandom,
} from '@chemveil/core';
import type { ModelSummary } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { errorOf, keysFrame, modelsDir, octets, queryFrame, smallRegression } from './helpers.ts';
import { heldOutFeatures } from '../../../stress/molecules.ts';

// Blinded refresh through the real server: two worker threads (a query's partitions may run on either), masks
// kept per query on the main thread, removed from the refreshed inputs, dropped with the query and the session.
// The model is apps/server/test/helpers.ts's smallRegression (64→16→x²→1): selectPlan gives it 16+ bit masks.
const deep = smallRegression();
const random = seededRandom(21);
const stages = lowerBundle(deep);
const dirs = modelsDir({ 'small.cvmb': deep });
const app = createApp({ ...dirs, workers: 2, sessionTtlSeconds: 3 });
let model: ModelSummary;
let client: FheClient;

beforeAll(async () => {
  await app.ready();
  model = (await app.inject({ url: '/v1/models/small' })).json();
  client = await FheClient.create(model.plan);
});

afterAll(async () => {
  client?.dispose();
  await app.close();
});

async function post(sid: string, k: number, molecules: number, blobs: Uint8Array[], query?: string) {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/partitions/${k}`,
    headers: { ...octets, ...(query ? { [QUERY_HEADER]: query } : {}), 'chemveil-session': sid },
    payload: queryFrame(k, molecules, blobs),
  });
  const ok = response.statusCode === 200;
  return { response, results: ok ? decodeFrame(response.rawPayload).blobs : [], query: response.headers[QUERY_HEADER] as string }; // prettier-ignore
}

describe('blinded refresh (server)', () => {
  it('masks every intermediate result, still predicts within 1e-3, rejects replays and frees masks', async () => {
    const plan = model.plan;
    expect(plan.partitions.map((p) => p.output.maskBits)).toEqual([plan.blinding?.maskBits, undefined]);
    // selectPlan prefers masks of 16+ bits (the strongest of 32, 24, 16 some chain holds for this network).
    expect([16, 24, 32]).toContain(plan.blinding!.maskBits);
    const sid = (await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(client.evaluationKeys()) })).json().sessionId; // prettier-ignore
    const molecules = plan.moleculesPerCiphertext + 3; // two ciphertexts, the second partly filled: both workers
    const inputs = await heldOutFeatures(deep, molecules);
    const hidden = inputs.map((x) => forwardStages(stages, x));
    const squareStages = plan.partitions.slice(0, 1).map((p) => p.ops[p.ops.length - 1]!.stage);

    let cts = client.encryptFeatures(inputs);
    let query: string | undefined;
    for (let k = 0; k < 1; k++) {
      const step = await post(sid, k, molecules, cts, query);
      expect(step.response.statusCode).toBe(200);
      query = step.query;
      // What the client decrypts is z + r: far from the hidden activation z (|r| is up to 2^maskBits × its bound).
      const seen = client.decryptPartition(k, step.results, molecules);
      const { bound, maskRange } = plan.partitions[k]!.output;
      const distances = seen.flatMap((v, m) => [...v].map((y, i) => Math.abs(y - hidden[m]![squareStages[k]!]![i]!)));
      distances.sort((a, b) => a - b);
      expect(distances[Math.floor(distances.length / 2)]).toBeGreaterThan(maskRange! / 8);
      expect(distances[Math.floor(distances.length / 2)]).toBeGreaterThan(bound); // more than the activation itself
      // The server keeps exactly this query's masks: one array per ciphertext, molecules × output length.
      const state = app.chemveil.sessions.get(sid).queries.get(query)!;
      const length = plan.partitions[k]!.output.layout.length;
      expect(state.masks!.map((m) => m.length)).toEqual([plan.moleculesPerCiphertext * length, 3 * length]);
      cts = client.refresh(k, step.results, molecules);
      // Partition 1 under a query id the server never issued is refused; the real query does not move.
      const unknown = await post(sid, 1, molecules, cts, 'A'.repeat(22));
      expect([unknown.response.statusCode, errorOf(unknown.response).code]).toEqual([409, 'PARTITION_OUT_OF_ORDER']);
    }
    const last = await post(sid, 1, molecules, cts, query);
    expect(last.response.statusCode).toBe(200);
    const outputs = client.decryptOutputs(last.results, molecules);
    inputs.forEach((x, m) => expect(Math.abs(outputs[m]![0]! - referenceForward(deep, x)[0]!)).toBeLessThan(1e-3));
    // The finished query (and its masks) is gone; replaying its last partition is refused.
    expect(app.chemveil.sessions.get(sid).queries.size).toBe(0);
    const again = await post(sid, 1, molecules, cts, query);
    expect([again.response.statusCode, errorOf(again.response).code]).toEqual([409, 'PARTITION_OUT_OF_ORDER']);
  });

  it('drops a query’s masks when its session is deleted or expires', async () => {
    const keys = keysFrame(client.evaluationKeys());
    const inputs = randomFingerprints(2, 64, random);
    for (const ending of ['delete', 'expire'] as const) {
      const sid = (await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keys })).json().sessionId; // prettier-ignore
      const step = await post(sid, 0, 2, client.encryptFeatures(inputs));
      const session = app.chemveil.sessions.get(sid);
      expect(session.queries.get(step.query)!.masks).toHaveLength(1);
      if (ending === 'delete')
        await app.inject({ method: 'DELETE', url: `/v1/session`, headers: { 'chemveil-session': sid } });
      else {
        await new Promise((resolve) => setTimeout(resolve, 3100));
        app.chemveil.sessions.sweep();
      }
      expect(session.closed).toBe(true);
      expect(session.queries.size).toBe(0);
      const late = await post(sid, 1, 2, client.refresh(0, step.results, 2), step.query);
      expect(late.response.statusCode).toBe(404);
    }
  });
});

describe('mask strength fixed by the operator', () => {
  it('serves exactly the bits asked for (0: unblinded) and will not start when no parameter set holds them', async () => {
    for (const maskBits of [0, 8]) {
      const fixed = createApp({ ...dirs, workers: 1, maskBits });
      try {
        await fixed.ready();
        const { plan } = (await fixed.inject({ url: '/v1/models/small' })).json() as ModelSummary;
        expect(plan.blinding?.maskBits ?? 0).toBe(maskBits);
        expect(plan.partitions.map((p) => p.output.maskBits)).toEqual([maskBits || undefined, undefined]);
      } finally {
        await fixed.close();
      }
    }
    const impossible = createApp({ ...dirs, workers: 1, maskBits: 48 });
    await expect(impossible.ready()).rejects.toThrow(
      'small.cvmb: no tc128 parameter set keeps the error target with 48-bit masks; lower CHEMVEIL_MASK_BITS',
    );
  });
});
