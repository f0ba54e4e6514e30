import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, readConfig } from '@chemveil/server';

const webRoot = mkdtempSync(join(tmpdir(), 'chemveil-web-'));
mkdirSync(join(webRoot, 'assets'));
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>ChemVeil</title>');
writeFileSync(join(webRoot, 'assets', 'rdkit-abc.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(webRoot, 'assets', 'index-abc.js'), 'export {};');
writeFileSync(join(webRoot, 'assets', 'featurizer.worker-a_B-1.js'), 'export {};');
writeFileSync(join(tmpdir(), 'outside-secret.txt'), 'secret');

// No models: these tests are about the static files and the configuration.
const app = createApp({ webRoot, modelsDir: join(webRoot, 'no-models'), workers: 1 });
beforeAll(() => app.ready());
afterAll(() => app.close());

describe('server skeleton', () => {
  it('answers health checks', async () => {
    const response = await app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', models: 0, workers: 1, sessions: 0 });
  });

  it('sends security headers on the app, its files, the API and errors', async () => {
    for (const url of ['/', '/assets/rdkit-abc.wasm', '/healthz', '/v1/models', '/v1/nothing-here']) {
      const { headers } = await app.inject({ url });
      expect(headers['x-content-type-options'], url).toBe('nosniff');
      expect(headers['referrer-policy'], url).toBe('no-referrer');
      expect(headers['x-frame-options'], url).toBe('DENY');
      expect(headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
    }
  });

  it('sends the script policy with the app and its scripts, and a policy that allows nothing with data', async () => {
    const policyOf = async (url: string) => (await app.inject({ url })).headers['content-security-policy'];
    const appPolicy =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' http: https:; " +
      "img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; " +
      "form-action 'none'";
    for (const url of ['/', '/history', '/index.html', '/assets/index-abc.js']) expect(await policyOf(url), url).toBe(appPolicy); // prettier-ignore
    // Only RDKit's worker may evaluate strings (its embind glue uses new Function), and it connects only home.
    expect(await policyOf('/assets/featurizer.worker-a_B-1.js')).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'none'",
    );
    const nothing = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    for (const url of ['/assets/rdkit-abc.wasm', '/healthz', '/v1/models', '/v1/nothing-here', '/assets/missing.js'])
      expect(await policyOf(url), url).toBe(nothing);
  });

  it('serves WASM as application/wasm with long-lived caching for hashed assets', async () => {
    const response = await app.inject({ url: '/assets/rdkit-abc.wasm' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/wasm');
    expect(response.headers['cache-control']).toContain('immutable');
    expect(response.rawPayload).toEqual(Buffer.from([0, 97, 115, 109]));
  });

  it('falls back to index.html for app routes but 404s missing files and paths outside the root', async () => {
    expect((await app.inject({ url: '/history' })).body).toContain('<title>ChemVeil</title>');
    const api = await app.inject({ url: '/v1/unknown' });
    expect([api.statusCode, api.json().error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    const escape = await app.inject({ url: '/..%2F..%2F..%2F..%2Ftmp%2Foutside-secret.txt' });
    expect(escape.statusCode).toBe(404);
    expect(escape.body).not.toContain('secret');
  });
});

describe('configuration', () => {
  it('defaults to loopback on 8787 and validates the port', () => {
    expect(readConfig({})).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(readConfig({ CHEMVEIL_PORT: '9000' }, { port: '9001' }).port).toBe(9001);
    expect(() => readConfig({ CHEMVEIL_PORT: 'http' })).toThrow('port must be 0–65535, got "http"');
    expect(readConfig({}, { models: '/srv/models', workers: '1', cors: '*' })).toMatchObject({
      modelsDir: '/srv/models',
      workers: 1,
      corsOrigins: '*',
    });
    expect(readConfig({ CHEMVEIL_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(() => readConfig({}, { workers: '0' })).toThrow('workers must be 1–64');
    expect(() => readConfig({}, { cors: 'https://a.example/path' })).toThrow('without a path');
  });

  it('leaves the mask strength to the planner unless fixed (0–48 bits)', () => {
    expect(readConfig({}).maskBits).toBeUndefined();
    expect(readConfig({ CHEMVEIL_MASK_BITS: 'auto' }).maskBits).toBeUndefined();
    expect(readConfig({ CHEMVEIL_MASK_BITS: '16' }).maskBits).toBe(16);
    expect(readConfig({ CHEMVEIL_MASK_BITS: '16' }, { 'mask-bits': '0' }).maskBits).toBe(0);
    expect(() => readConfig({ CHEMVEIL_MASK_BITS: '49' })).toThrow('mask bits (CHEMVEIL_MASK_BITS) must be 0–48, got "49"'); // prettier-ignore
    expect(() => readConfig({}, { 'mask-bits': 'strong' })).toThrow('must be 0–48');
  });
});
