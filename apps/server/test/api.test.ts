import {
  decodeFrame,
  planModel,
  QUERY_HEADER,
  referenceForward,
  randomFingerprints,
  seededRandom,
  sealInflatedBound,
} from '@chemveil/core';
import type { ModelSummary, SessionKeyBytes } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { errorOf, keysFrame, modelsDir, octets, queryFrame, smallClassifier, smallRegression } from './helpers.ts';
import { heldOutFeatures } from '../../../stress/molecules.ts';
import { sealZstdBomb } from '../../../stress/fuzz.ts';

// Every route and every error code through app.inject(), on a server with one evaluation worker and two models.
const small = smallRegression();
const tox = smallClassifier();
const dirs = modelsDir({ 'small.cvmb': small, 'tox.cvmb': tox });
const app = createApp({ ...dirs, workers: 1, corsOrigins: 'loopback' });
const random = seededRandom(5);
let model: ModelSummary;
let client: FheClient;
let keys: SessionKeyBytes;

async function openSession(galoisKeys = keys.galoisKeys, id = 'small') {
  return app.inject({
    method: 'POST',
    url: `/v1/models/${id}/sessions`,
    headers: octets,
    payload: keysFrame({ ...keys, galoisKeys }),
  });
}

async function partition(sid: string, k: number, molecules: number, blobs: Uint8Array[], query?: string) {
  return app.inject({
    method: 'POST',
    url: `/v1/partitions/${k}`,
    headers: { ...octets, ...(query ? { [QUERY_HEADER]: query } : {}), 'chemveil-session': sid },
    payload: queryFrame(k, molecules, blobs),
  });
}

beforeAll(async () => {
  await app.ready();
  model = (await app.inject({ url: '/v1/models/small' })).json();
  client = await FheClient.create(model.plan);
  keys = client.evaluationKeys();
});

afterAll(async () => {
  client?.dispose();
  await app.close();
});

describe('models', () => {
  it('lists cards and public plans, never weights', async () => {
    const response = await app.inject({ url: '/v1/models' });
    expect(response.statusCode).toBe(200);
    const { models } = response.json() as { models: ModelSummary[] };
    expect(models.map((m) => m.id)).toEqual(['small', 'tiny-tox']);
    expect(models[0]).toMatchObject({ id: 'small', name: 'small', task: 'regression', units: 'log units' });
    expect(models[1]).toMatchObject({ id: 'tiny-tox', task: 'classification', classes: ['non-toxic', 'toxic'], version: '1.0.0' }); // prettier-ignore
    expect(models[1]!.card?.limitations).toEqual(['random weights']);
    for (const m of models) {
      expect(m.plan.partitions.length).toBeGreaterThan(0);
      expect(m.plan.galoisSteps.length).toBeGreaterThan(0);
      expect(m.limits.maxEvaluationKeyBytes).toBeGreaterThan(m.limits.evaluationKeyBytes);
    }
    // No layer weights anywhere: the 64×16 matrix alone would be ~20 KB of numbers.
    expect(response.body).not.toMatch(/"weight"|"bias"|"layers"/);
    expect(response.body.length).toBeLessThan(20_000);
  });

  it('describes one model; unknown ids are 404 and malformed ones 400', async () => {
    expect((await app.inject({ url: '/v1/models/tiny-tox' })).json()).toMatchObject({ id: 'tiny-tox', head: { kind: 'binary' } }); // prettier-ignore
    const unknown = await app.inject({ url: '/v1/models/esol' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'MODEL_NOT_FOUND', message: 'no model "esol"; this server has small, tiny-tox' }); // prettier-ignore
    const malformed = await app.inject({ url: '/v1/models/%20bad' });
    expect(malformed.statusCode).toBe(400);
    expect(errorOf(malformed).code).toBe('BAD_REQUEST');
    const route = await app.inject({ url: '/v1/nothing-here' });
    expect([route.statusCode, errorOf(route).code]).toEqual([404, 'NOT_FOUND']);
  });

  it('answers health checks', async () => {
    const response = await app.inject({ url: '/healthz' });
    expect(response.json()).toEqual({ status: 'ok', models: 2, workers: 1, sessions: expect.any(Number) });
  });
});

describe('sessions', () => {
  it('creates a session from the evaluation keys and deletes it', async () => {
    const created = await openSession();
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ modelId: 'small', ttlSeconds: 1800, maxCiphertextsPerRequest: 32 });
    expect(body.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/v1/session`,
      headers: { 'chemveil-session': body.sessionId },
    });
    expect(deleted.statusCode).toBe(204);
    const again = await app.inject({
      method: 'DELETE',
      url: `/v1/session`,
      headers: { 'chemveil-session': body.sessionId },
    });
    expect([again.statusCode, errorOf(again).code]).toEqual([404, 'SESSION_NOT_FOUND']);
  });

  it('refuses an oversized key upload with 413 before reading it', async () => {
    const huge = new Uint8Array(model.limits.maxEvaluationKeyBytes + 1);
    const response = await openSession(huge);
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
    expect(errorOf(response).message).toMatch(/evaluation-key upload of \d+ bytes; the limit is \d+/);
  });

  it('refuses a zstd bomb among the keys from its headers, before SEAL inflates a byte', async () => {
    const blocks = 8192; // 32 KiB that would inflate to 1 GiB
    const bomb = sealZstdBomb(blocks);
    expect(sealInflatedBound(bomb)).toEqual({ bytes: 16 + blocks * 128 * 1024 });
    // Honest keys bound within 2× their size (zstd blocks of random coefficients; a block regenerates ≤ 128 KiB).
    const honest = sealInflatedBound(keys.galoisKeys) as { bytes: number };
    expect(honest.bytes / keys.galoisKeys.length).toBeLessThan(2);
    const response = await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame({ ...keys, publicKey: bomb }) }); // prettier-ignore
    expect([response.statusCode, errorOf(response).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(errorOf(response).message).toMatch(/public key would inflate to 1073741840 bytes/);
  });

  it('refuses malformed frames, garbage keys, keys for other parameters and keys missing steps', async () => {
    const notFrame = await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: Buffer.from('hello') }); // prettier-ignore
    expect([notFrame.statusCode, errorOf(notFrame).code]).toEqual([400, 'MALFORMED_FRAME']);
    const garbage = await openSession(random32(keys.galoisKeys.length));
    expect([garbage.statusCode, errorOf(garbage).code]).toEqual([400, 'MALFORMED_KEYS']);
    // A valid SEAL header around a corrupt payload must not reach (and abort) the WASM module either.
    const corrupt = keys.galoisKeys.slice();
    corrupt.fill(7, 64);
    const corrupted = await openSession(corrupt);
    expect([corrupted.statusCode, errorOf(corrupted).code]).toEqual([400, 'MALFORMED_KEYS']);
    const tooSmall = await openSession(keys.galoisKeys.subarray(0, 1000));
    expect([tooSmall.statusCode, errorOf(tooSmall).code]).toEqual([422, 'WRONG_PARAMETERS']);
    const otherPlan = planModel(small, { parameters: { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], securityLevel: 'tc128' } }); // prettier-ignore
    const other = await FheClient.create(otherPlan);
    const partial = await FheClient.create({ ...model.plan, galoisSteps: model.plan.galoisSteps.slice(1) });
    try {
      const foreign = await openSession(other.evaluationKeys().galoisKeys);
      expect([foreign.statusCode, errorOf(foreign).code]).toEqual([422, 'WRONG_PARAMETERS']);
      const missing = await openSession(partial.evaluationKeys().galoisKeys);
      expect([missing.statusCode, errorOf(missing).code]).toEqual([422, 'INVALID_EVALUATION_KEYS']);
    } finally {
      other.dispose();
      partial.dispose();
    }
    const json = await app.inject({ method: 'POST', url: '/v1/models/small/sessions', payload: { keys: 'base64' } });
    expect([json.statusCode, errorOf(json).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const unknown = await openSession(keys.galoisKeys, 'esol');
    expect([unknown.statusCode, errorOf(unknown).code]).toEqual([404, 'MODEL_NOT_FOUND']);
  });
});

function random32(length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

describe('partitions', () => {
  let sid: string;
  beforeAll(async () => {
    sid = (await openSession()).json().sessionId;
  });

  async function runQuery(inputs: ArrayLike<number>[]): Promise<Float64Array[]> {
    let query: string | undefined;
    return client.infer(inputs, async (k, cts) => {
      const response = await partition(sid, k, inputs.length, cts, query);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/octet-stream');
      query = response.headers[QUERY_HEADER] as string;
      const frame = decodeFrame(new Uint8Array(response.rawPayload));
      expect(frame).toMatchObject({ kind: 'result', partition: k, molecules: inputs.length });
      return frame.blobs;
    });
  }

  it('evaluates every partition: decrypted outputs match the plaintext model within 1e-3', async () => {
    const inputs = await heldOutFeatures(small, 70); // two ciphertexts at B=64
    const outputs = await runQuery(inputs);
    inputs.forEach((x, i) => expect(Math.abs(outputs[i]![0]! - referenceForward(small, x)[0]!)).toBeLessThan(1e-3));
  });

  it('rejects garbage where a ciphertext should be, and ciphertexts for other parameters', async () => {
    const garbage = await partition(sid, 0, 1, [random32(5000)]);
    expect([garbage.statusCode, errorOf(garbage).code]).toEqual([400, 'MALFORMED_CIPHERTEXT']);
    const [fresh] = client.encryptFeatures(randomFingerprints(1, 64, random));
    const corrupt = fresh!.slice();
    corrupt.fill(3, 40);
    const corrupted = await partition(sid, 0, 1, [corrupt]);
    expect([corrupted.statusCode, errorOf(corrupted).code]).toEqual([400, 'MALFORMED_CIPHERTEXT']);
    const otherPlan = planModel(small, { parameters: { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], securityLevel: 'tc128' } }); // prettier-ignore
    const other = await FheClient.create(otherPlan);
    try {
      const foreign = await partition(sid, 0, 1, other.encryptFeatures(randomFingerprints(1, 64, random)));
      expect([foreign.statusCode, errorOf(foreign).code]).toEqual([422, 'WRONG_PARAMETERS']);
    } finally {
      other.dispose();
    }
    const notFrame = await app.inject({ method: 'POST', url: `/v1/partitions/0`, headers: { ...octets, 'chemveil-session': sid }, payload: Buffer.from([1, 2, 3]) }); // prettier-ignore
    expect([notFrame.statusCode, errorOf(notFrame).code]).toEqual([400, 'MALFORMED_FRAME']);
    const tooMany = await partition(sid, 0, 65, [fresh!]); // 65 molecules cannot fit one ciphertext of B=64
    expect([tooMany.statusCode, errorOf(tooMany).code]).toEqual([400, 'MALFORMED_FRAME']);
  });

  it('enforces partition order per query: 409 for a skipped, replayed or unnamed partition, a wrong level or batch', async () => {
    const inputs = randomFingerprints(3, 64, random);
    const cts = client.encryptFeatures(inputs);
    const first = await partition(sid, 0, 3, cts);
    expect(first.statusCode).toBe(200);
    const query = first.headers[QUERY_HEADER] as string;
    const results = decodeFrame(new Uint8Array(first.rawPayload)).blobs;
    // A result sent back unrefreshed is at the wrong level, size and scale.
    const unrefreshed = await partition(sid, 1, 3, results, query);
    expect([unrefreshed.statusCode, errorOf(unrefreshed).code]).toEqual([409, 'WRONG_LEVEL']);
    const refreshed = client.refresh(0, results, 3);
    const noQuery = await partition(sid, 1, 3, refreshed);
    expect([noQuery.statusCode, errorOf(noQuery).code]).toEqual([409, 'PARTITION_OUT_OF_ORDER']);
    const wrongBatch = await partition(sid, 1, 2, refreshed, query);
    expect([wrongBatch.statusCode, errorOf(wrongBatch).code]).toEqual([409, 'BATCH_MISMATCH']);
    const replayFirst = await partition(sid, 0, 3, cts, query); // partition 0 always starts a new query
    expect(replayFirst.statusCode).toBe(200);
    const second = await partition(sid, 1, 3, refreshed, query);
    expect(second.statusCode).toBe(200);
    const replay = await partition(sid, 1, 3, refreshed, query);
    expect([replay.statusCode, errorOf(replay).code]).toEqual([409, 'PARTITION_OUT_OF_ORDER']);
    const beyond = await partition(sid, 7, 3, refreshed, query);
    expect([beyond.statusCode, errorOf(beyond).code]).toEqual([404, 'PARTITION_NOT_FOUND']);
  });

  it('refuses oversized requests (413) and unknown sessions (404) before reading the body', async () => {
    const huge = await app.inject({
      method: 'POST',
      url: `/v1/partitions/0`,
      headers: { ...octets, 'chemveil-session': sid },
      payload: Buffer.alloc(model.limits.maxRequestBytes + 1),
    });
    expect([huge.statusCode, errorOf(huge).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const bigBlob = await partition(sid, 0, 1, [new Uint8Array(model.limits.maxCiphertextBytes + 1)]);
    expect([bigBlob.statusCode, errorOf(bigBlob).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const unknown = await partition('AAAAAAAAAAAAAAAAAAAAAA', 0, 1, [random32(100)]);
    expect([unknown.statusCode, errorOf(unknown).code]).toEqual([404, 'SESSION_NOT_FOUND']);
    const malformedId = await partition('x', 0, 1, [random32(100)]);
    expect([malformedId.statusCode, errorOf(malformedId).code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('takes session ids from a header only: old path routes answer 410, a missing header 400', async () => {
    // Session ids in paths reach access logs; the header keeps them out, and old clients learn why they fail.
    const oldPartition = await app.inject({ method: 'POST', url: `/v1/sessions/${sid}/partitions/0`, headers: octets, payload: queryFrame(0, 1, [random32(100)]) }); // prettier-ignore
    expect([oldPartition.statusCode, errorOf(oldPartition).code]).toEqual([410, 'GONE']);
    expect(errorOf(oldPartition).message).toMatch(/chemveil-session header/);
    const oldDelete = await app.inject({ method: 'DELETE', url: `/v1/sessions/${sid}` });
    expect([oldDelete.statusCode, errorOf(oldDelete).code]).toEqual([410, 'GONE']);
    for (const request of [
      { method: 'POST' as const, url: '/v1/partitions/0', headers: octets, payload: queryFrame(0, 1, [random32(100)]) },
      { method: 'DELETE' as const, url: '/v1/session' },
    ]) {
      const response = await app.inject(request);
      expect([response.statusCode, errorOf(response).code]).toEqual([400, 'BAD_REQUEST']);
      expect(errorOf(response).message).toMatch(/chemveil-session header/);
    }
    // The session survived all of that (the 410s never looked it up, let alone deleted it).
    const still = await partition(sid, 0, 1, [random32(100)]);
    expect(errorOf(still).code).toBe('MALFORMED_CIPHERTEXT');
  });
});

describe('CORS', () => {
  it('answers preflights from loopback origins and ignores others', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/models/small/sessions',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(preflight.headers['access-control-allow-headers']).toContain(QUERY_HEADER);
    expect(preflight.headers['access-control-allow-headers']).toContain('chemveil-session');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    expect(preflight.headers['access-control-expose-headers']).toContain(QUERY_HEADER);
    const foreign = await app.inject({ url: '/v1/models', headers: { origin: 'https://evil.example' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
