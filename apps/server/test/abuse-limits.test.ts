// Abuse limits: a per-client session quota and key-memory share, a per-client request rate and molecule budget,
// all answered with a clean 429 and Retry-After; behind a trusted proxy, per forwarded client; with API tokens,
// per account.
import { randomFingerprints, seededRandom } from '@chemveil/core';
import type { SessionKeyBytes } from '@chemveil/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, mintToken, parseTokenFile } from '@chemveil/server';
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
      await app.inject({
        method: 'DELETE',
        url: `/v1/session`,
        headers: { 'chemveil-session': first },
        remoteAddress: '10.0.0.1',
      });
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
        return app.inject({ method: 'POST', url: `/v1/partitions/0`, headers: { ...octets, 'chemveil-session': sid }, payload: queryFrame(0, 4, ciphertexts), remoteAddress: ip }); // prettier-ignore
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

describe('API tokens (CHEMVEIL_TOKENS)', () => {
  it('reads only hashes from the file and refuses malformed lines with their number', () => {
    const { token, line } = mintToken('lab-a');
    expect(token).toMatch(/^cv_[A-Za-z0-9_-]{43}$/);
    expect(line).not.toContain(token);
    const tokens = parseTokenFile(`# accounts\n\n${line}\n`);
    expect([...tokens.accounts.values()]).toEqual(['lab-a']);
    expect(() => parseTokenFile(`${line}\n${token} lab-b\n`)).toThrow(/line 2: expected "sha256:/);
    expect(() => parseTokenFile('# nobody\n')).toThrow(/admits no token/);
  });

  it('needs a valid token on every API route, binds sessions to the account, and budgets per account', async () => {
    const [a, b] = [mintToken('lab-a'), mintToken('lab-b')];
    const file = join(mkdtempSync(join(tmpdir(), 'chemveil-tokens-')), 'tokens');
    writeFileSync(file, `${a.line}\n${b.line}\n`);
    const app = createApp({ ...dirs, workers: 1, tokensFile: file, sessionsPerClient: 1, moleculesPerClientPerDay: 4 });
    try {
      await app.ready();
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      // Every client here shares one address (a NAT or proxy): only the token tells them apart.
      const ip = '10.0.4.1';
      for (const headers of [{}, bearer('cv_' + 'A'.repeat(43)), { authorization: `Basic ${a.token}` }]) {
        const refused = await app.inject({ url: '/v1/models', headers, remoteAddress: ip });
        expect([refused.statusCode, errorOf(refused).code]).toEqual([401, 'UNAUTHORIZED']);
        expect(refused.headers['www-authenticate']).toBe('Bearer realm="chemveil"');
      }
      expect((await app.inject({ url: '/healthz', remoteAddress: ip })).statusCode).toBe(200);
      expect((await app.inject({ url: '/v1/models', headers: bearer(a.token), remoteAddress: ip })).statusCode).toBe(200); // prettier-ignore
      const open = (token: string) => app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: { ...octets, ...bearer(token) }, payload: keysFrame(keys), remoteAddress: ip }); // prettier-ignore
      const noToken = await app.inject({ method: 'POST', url: '/v1/models/small/sessions', headers: octets, payload: keysFrame(keys), remoteAddress: ip }); // prettier-ignore
      expect(noToken.statusCode).toBe(401);
      const sidA = (await open(a.token)).json().sessionId;
      // Per-account quota (1 session): A is full, B from the same address is not.
      expect((await open(a.token)).statusCode).toBe(429);
      const sidB = (await open(b.token)).json().sessionId;
      expect(sidB).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const ciphertexts = client.encryptFeatures(randomFingerprints(4, 64, seededRandom(4)));
      const query = (sid: string, token: string) => app.inject({ method: 'POST', url: '/v1/partitions/0', headers: { ...octets, ...bearer(token), 'chemveil-session': sid }, payload: queryFrame(0, 4, ciphertexts), remoteAddress: ip }); // prettier-ignore
      // A's session id is useless with B's token (as if it did not exist), and vice versa.
      const stolen = await query(sidA, b.token);
      expect([stolen.statusCode, errorOf(stolen).code]).toEqual([404, 'SESSION_NOT_FOUND']);
      expect((await query(sidA, a.token)).statusCode).toBe(200);
      // A's 4 molecules a day are spent; B's are not.
      expect(errorOf(await query(sidA, a.token)).code).toBe('BUDGET_EXHAUSTED');
      expect((await query(sidB, b.token)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('stops startup on an unreadable or malformed token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chemveil-tokens-'));
    expect(() => createApp({ ...dirs, workers: 1, tokensFile: join(dir, 'missing') })).toThrow(/cannot read CHEMVEIL_TOKENS file/); // prettier-ignore
    writeFileSync(join(dir, 'plain'), 'cv_secret lab-a\n');
    expect(() => createApp({ ...dirs, workers: 1, tokensFile: join(dir, 'plain') })).toThrow(/line 1/);
  });
});
