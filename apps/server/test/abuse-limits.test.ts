// Abuse limits: a per-client session quota and a per-client request rate, both answered with a clean 429 and
// Retry-After before any body is read.
import type { SessionKeyBytes } from '@chemveil/core';
import type { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { clientFor, errorOf, keysFrame, modelsDir, octets, smallRegression } from './helpers.ts';

const dirs = modelsDir({ 'small.cvmb': smallRegression() });
let client: FheClient;
let keys: SessionKeyBytes;

beforeAll(async () => {
  ({ client, keys } = await clientFor(dirs, 'small'));
}, 120_000);
afterAll(() => client?.dispose());

describe('per-client limits', () => {
  it('caps the sessions one client holds, and frees a slot when one is deleted', async () => {
    const app = createApp({ ...dirs, workers: 1, sessionsPerClient: 2 });
    try {
      await app.ready();
      const open = (ip: string) =>
        app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys), remoteAddress: ip }); // prettier-ignore
      const first = (await open('10.0.0.1')).json().sessionId;
      expect((await open('10.0.0.1')).statusCode).toBe(201);
      const third = await open('10.0.0.1');
      expect([third.statusCode, errorOf(third).code]).toEqual([429, 'OVER_CAPACITY']);
      expect(errorOf(third).message).toMatch(/already holds 2 sessions/);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      // Another client is not affected; the first client gets its slot back by deleting a session.
      expect((await open('10.0.0.2')).statusCode).toBe(201);
      await app.inject({ method: 'DELETE', url: `/v1/sessions/${first}`, remoteAddress: '10.0.0.1' });
      expect((await open('10.0.0.1')).statusCode).toBe(201);
    } finally {
      await app.close();
    }
  });

  it('rate-limits API requests per client before reading bodies; health checks are not limited', async () => {
    const app = createApp({ ...dirs, workers: 1, requestsPerMinute: 40 }); // burst 10, then 2 every 3 s
    try {
      await app.ready();
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push((await app.inject({ url: '/v1/models', remoteAddress: '10.0.0.9' })).statusCode); // prettier-ignore
      expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(200));
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
      const limited = await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: Buffer.alloc(1 << 20), remoteAddress: '10.0.0.9' }); // prettier-ignore
      expect([limited.statusCode, errorOf(limited).code]).toEqual([429, 'OVER_CAPACITY']);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await app.inject({ url: '/v1/models', remoteAddress: '10.0.0.10' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/healthz', remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
      // Paths the router decodes to the API are the API: percent-encoded ones are counted too (they used to pass).
      const encoded: number[] = [];
      for (let i = 0; i < 12; i++) encoded.push((await app.inject({ url: i % 2 ? '/%761/models' : '/v1/%6Dodels', remoteAddress: '10.0.0.11' })).statusCode); // prettier-ignore
      expect(encoded.slice(0, 10)).toEqual(new Array(10).fill(200));
      expect(encoded.slice(10)).toEqual([429, 429]);
    } finally {
      await app.close();
    }
  });
});
