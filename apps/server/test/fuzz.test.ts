// Hostile input: a seeded stream of malformed requests (stress/fuzz.ts), each of which must get a 4xx with the stable
// error shape. `npm run stress` runs 10,000 over a real port; here 1,500 through inject keep the suite fast.
import { parseBundle } from '@chemveil/core';
import type { ModelSummary } from '@chemveil/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { fuzzMaterial, runFuzz, type FuzzMaterial, type Send } from '../../../stress/fuzz.ts';
import { modelsDir, smallRegression } from './helpers.ts';
import { serializeBundle } from '@chemveil/core';

const bundle = smallRegression();
const dirs = modelsDir({ 'small.cvmb': bundle });
// Session keys are capped at 96 MiB (default 3072): the memory bound below is about leaks, not about that cap.
const app = createApp({ ...dirs, workers: 2, requestsPerMinute: 1e9, maxSessionBytes: 96 * 2 ** 20 });
let material: FuzzMaterial;

const send: Send = async (request) => {
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: request.headers,
    ...(request.body ? { payload: Buffer.from(request.body) } : {}),
  });
  return { status: response.statusCode, body: new Uint8Array(response.rawPayload), headers: response.headers as Record<string, string> }; // prettier-ignore
};

beforeAll(async () => {
  await app.ready();
  const model = (await app.inject({ url: '/v1/models/small' })).json() as ModelSummary;
  material = await fuzzMaterial(model, parseBundle(serializeBundle(bundle)));
});
afterAll(async () => {
  material?.dispose();
  await app.close();
});

it('answers 1,500 malformed requests with 4xx and the stable error shape; stays healthy and bounded', async () => {
  const rssBefore = process.memoryUsage().rss;
  const report = await runFuzz(send, material, 1_500, 7);
  expect(report.violations).toEqual([]);
  expect(report.requests).toBeGreaterThanOrEqual(1_500);
  // Every family was exercised, and the ones that must never reach SEAL got 400/404/409/413/415/422 only.
  expect(Object.keys(report.byKind).length).toBeGreaterThanOrEqual(15);
  expect(Object.keys(report.byKind['transparent ciphertext'] ?? {})).toEqual(['400']);
  expect(Object.keys(report.byKind['bit-flipped ciphertext upload'] ?? {})).toEqual(['400']);
  expect(Object.keys(report.byKind['huge declared length'] ?? {}).every((s) => s === '413')).toBe(true);
  const health = await app.inject({ url: '/healthz' });
  expect(health.json()).toMatchObject({ status: 'ok', workers: 2 });
  // Memory stays bounded: no growth proportional to the requests (each carried up to 70 KB).
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 2 ** 20);
  console.info(JSON.stringify({ fuzz: { ...report, violations: report.violations.length } }));
});
