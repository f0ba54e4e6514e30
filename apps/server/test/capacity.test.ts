import { QUERY_HEADER, randomFingerprints, seededRandom } from '@chemveil/core';
import type { SessionKeyBytes } from '@chemveil/core';
import type { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { fuzzMaterial } from '../../../stress/fuzz.ts';
import { clientFor, errorOf, keysFrame, modelsDir, octets, queryFrame, smallRegression } from './helpers.ts';

// Limits: session TTL, the memory cap with LRU eviction, the queue cap (429) and shutdown (503).
const dirs = modelsDir({ 'small.cvmb': smallRegression() });
const random = seededRandom(8);
let client: FheClient;
let keys: SessionKeyBytes;

beforeAll(async () => {
  ({ client, keys } = await clientFor(dirs, 'small'));
});
afterAll(() => client?.dispose());

const openSession = (app: ReturnType<typeof createApp>) =>
  app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys) });

describe('session limits', () => {
  it('expires idle sessions (SESSION_EXPIRED) and evicts the least recently used one over the cap', async () => {
    const app = createApp({ ...dirs, workers: 1, sessionTtlSeconds: 1, maxSessions: 2 });
    try {
      await app.ready();
      const [a, b] = [(await openSession(app)).json().sessionId, (await openSession(app)).json().sessionId];
      await app.inject({
        url: `/v1/partitions/9`,
        method: 'POST',
        headers: { ...octets, 'chemveil-session': a },
        payload: queryFrame(9, 1, [new Uint8Array(16)]),
      }); // touches a
      const c = (await openSession(app)).json().sessionId; // evicts b, the least recently used
      expect(app.chemveil.sessions.size).toBe(2);
      const evicted = await app.inject({ method: 'DELETE', url: `/v1/session`, headers: { 'chemveil-session': b } });
      expect([evicted.statusCode, errorOf(evicted).code]).toEqual([404, 'SESSION_EXPIRED']);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await app.inject({ method: 'DELETE', url: `/v1/session`, headers: { 'chemveil-session': c } });
      expect([expired.statusCode, errorOf(expired).code]).toEqual([404, 'SESSION_EXPIRED']);
    } finally {
      await app.close();
    }
  });

  it('answers 429 with Retry-After when the evaluation queue is full, and 503 while shutting down', async () => {
    const app = createApp({ ...dirs, workers: 1, maxQueuedCiphertexts: 1 });
    await app.ready();
    const sid = (await openSession(app)).json().sessionId;
    const cts = client.encryptFeatures(randomFingerprints(65, 64, random)); // two ciphertexts > a queue of one
    const full = await app.inject({ method: 'POST', url: `/v1/partitions/0`, headers: { ...octets, 'chemveil-session': sid }, payload: queryFrame(0, 65, cts) }); // prettier-ignore
    expect([full.statusCode, errorOf(full).code]).toEqual([429, 'OVER_CAPACITY']);
    expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const one = await app.inject({ method: 'POST', url: `/v1/partitions/0`, headers: { ...octets, 'chemveil-session': sid }, payload: queryFrame(0, 1, cts.slice(0, 1)) }); // prettier-ignore
    expect(one.statusCode).toBe(200);
    expect(one.headers[QUERY_HEADER]).toBeTruthy();
    // What the preClose hook does first on SIGTERM: requests still arriving on open connections get 503.
    app.chemveil.status = 'shutting-down';
    const late = await app.inject({ url: '/v1/models' });
    expect([late.statusCode, errorOf(late).code]).toEqual([503, 'SHUTTING_DOWN']);
    await app.close();
  });
});

describe('keys in the workers', () => {
  it('frees a session’s keys in every worker however it goes: opened in a burst, refused mid-way, deleted mid-evaluation', async () => {
    const app = createApp({ ...dirs, workers: 2, maxSessions: 1 });
    await app.ready();
    const material = await fuzzMaterial((await app.inject({ url: '/v1/models/small' })).json(), smallRegression());
    try {
      const pool = app.chemveil.pool;
      const held = async () => (await pool.stats()).map((worker) => worker.sessions);
      const lanes = client.plan.moleculesPerCiphertext;
      const partition0 = (sid: string, molecules: number, cts: Uint8Array[]) =>
        app.inject({ method: 'POST', url: `/v1/partitions/0`, headers: { ...octets, 'chemveil-session': sid }, payload: queryFrame(0, molecules, cts) }); // prettier-ignore

      // A burst over the cap: the session whose keys are still loading is not evicted for the newcomer.
      const burst = await Promise.all([openSession(app), openSession(app)]);
      expect(burst.map((r) => r.statusCode).sort()).toEqual([201, 429]);
      const sid: string = burst.find((r) => r.statusCode === 201)!.json().sessionId;
      const [valid, second] = client.encryptFeatures(randomFingerprints(lanes + 1, 64, random));
      expect((await partition0(sid, 1, [valid!])).statusCode).toBe(200);
      expect(await held()).toEqual([1, 0]);

      // The second worker loads the keys, then refuses its ciphertext: it must not keep keys the pool forgot.
      const refused = await partition0(sid, lanes + 1, [valid!, material.transparentCiphertext]);
      expect([refused.statusCode, errorOf(refused).code]).toEqual([400, 'MALFORMED_CIPHERTEXT']);
      expect(await held()).toEqual([1, 0]);

      // Deleted while both workers evaluate (the second loading the keys as it goes): nothing stays loaded.
      const running = partition0(sid, lanes + 1, [valid!, second!]);
      while (pool.queuedCiphertexts < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(
        (await app.inject({ method: 'DELETE', url: `/v1/session`, headers: { 'chemveil-session': sid } })).statusCode,
      ).toBe(204);
      await running;
      expect(await held()).toEqual([0, 0]);
    } finally {
      material.dispose();
      await app.close();
    }
  });
});
