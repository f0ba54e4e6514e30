// Abuse limits: a per-client session quota and key-memory share, a per-client request rate and molecule budget,
// all answered with a clean 429 and Retry-After; behind a trusted proxy, per forwarded client.
import { randomFingerprints, seededRandom } from '@chemveil/core';
import type { SessionKeyBytes } from '@chemveil/core';
import { connect } from 'node:net';
import type { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { clientFor, errorOf, keysFrame, modelsDir, octets, queryFrame, smallRegression } from './helpers.ts';

const dirs = modelsDir({ 'small.cvmb': smallRegression() });
let client: FheClient;
let keys: SessionKeyBytes;

beforeAll(async () => {
  ({ client, keys } = await clientFor(dirs, 'small'));
});
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

  it('charges each client a molecule budget per day: 429 BUDGET_EXHAUSTED with Retry-After, others unaffected', async () => {
    const app = createApp({ ...dirs, workers: 1, moleculesPerClientPerDay: 10 });
    try {
      await app.ready();
      const ciphertexts = client.encryptFeatures(randomFingerprints(4, 64, seededRandom(3)));
      const query = async (ip: string) => {
        const sid = (await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys), remoteAddress: ip })).json().sessionId; // prettier-ignore
        return app.inject({ method: 'POST', url: `/v1/sessions/${sid}/partitions/0`, headers: octets, payload: queryFrame(0, 4, ciphertexts), remoteAddress: ip }); // prettier-ignore
      };
      expect((await query('10.0.1.1')).statusCode).toBe(200);
      expect((await query('10.0.1.1')).statusCode).toBe(200); // 8 of 10 spent
      const over = await query('10.0.1.1');
      expect([over.statusCode, errorOf(over).code]).toEqual([429, 'BUDGET_EXHAUSTED']);
      expect(errorOf(over).message).toMatch(/budget of 10 molecules a day is spent \(2 left, 4 asked\)/);
      // Two molecules come back in 2/10 of a day: Retry-After says so (within a second).
      expect(Math.abs(Number(over.headers['retry-after']) - 0.2 * 86_400)).toBeLessThanOrEqual(1);
      expect((await query('10.0.1.2')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('keys limits on the forwarded client only behind a trusted proxy', async () => {
    const statuses = async (trustProxy: boolean) => {
      const app = createApp({ ...dirs, workers: 1, requestsPerMinute: 40, trustProxy }); // burst 10
      try {
        await app.ready();
        const out: number[] = [];
        // One proxy address, twelve different clients behind it.
        for (let i = 0; i < 12; i++) out.push((await app.inject({ url: '/v1/models', remoteAddress: '10.0.2.1', headers: { 'x-forwarded-for': `198.51.100.${i}` } })).statusCode); // prettier-ignore
        return out;
      } finally {
        await app.close();
      }
    };
    expect(await statuses(true)).toEqual(new Array(12).fill(200));
    // Untrusted, the header is ignored (a client cannot pick a fresh address per request): one shared bucket.
    expect((await statuses(false)).slice(10)).toEqual([429, 429]);
  });

  it('caps the key memory one client holds, so it cannot evict everyone else', async () => {
    // What one session of this model is charged (uploaded keys + loaded in the worker), read from a first server.
    const probe = createApp({ ...dirs, workers: 1, diagnostics: true });
    let oneSession: number;
    try {
      await probe.ready();
      await probe.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys) }); // prettier-ignore
      oneSession = (await probe.inject({ url: '/diagnostics/memory' })).json().sessionBytes;
    } finally {
      await probe.close();
    }
    expect(oneSession).toBeGreaterThan(0);
    // Room for one such session per client, not two.
    const app = createApp({ ...dirs, workers: 1, sessionMemoryPerClientMb: (1.5 * oneSession) / 2 ** 20 });
    try {
      await app.ready();
      const open = (ip: string) => app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys), remoteAddress: ip }); // prettier-ignore
      expect((await open('10.0.3.1')).statusCode).toBe(201);
      const second = await open('10.0.3.1');
      expect([second.statusCode, errorOf(second).code]).toEqual([429, 'OVER_CAPACITY']);
      expect(errorOf(second).message).toMatch(/one client may hold/);
      expect((await open('10.0.3.2')).statusCode).toBe(201);
    } finally {
      await app.close();
    }
  });

  it('cuts off a body trickled a byte at a time (slow loris) once the request deadline passes', async () => {
    const app = createApp({ ...dirs, workers: 1, requestTimeoutSeconds: 2 });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.on('data', (chunk) => (reply += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      // A plausible key upload (under the size limit), then one byte every 200 ms.
      socket.write('POST /v1/models/small/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 100000\r\n\r\n'); // prettier-ignore
      let sent = 0;
      const trickle = setInterval(() => socket.writable && (socket.write('A'), sent++), 200);
      await closed;
      clearInterval(trickle);
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      // Cut off after the 2 s deadline (+ up to the 1 s check), not after 100,000 bytes: ~10–20 bytes sent.
      expect(sent).toBeGreaterThanOrEqual(8);
      expect(sent).toBeLessThan(40);
    } finally {
      await app.close();
    }
  });
});
