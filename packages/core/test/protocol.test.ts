import { describe, expect, it } from 'vitest';
import {
  ChemVeilHttpClient,
  describeModel,
  makeBundle,
  planModel,
  ProtocolError,
  randomDense,
  seededRandom,
  uploadLimits,
} from '../src/index.ts';
import type { ModelSummary, RequestEvent } from '../src/index.ts';

const random = seededRandom(3);
const bundle = makeBundle({ name: 'tiny', inputLength: 64, layers: [randomDense(64, 4, random), { kind: 'square' }, randomDense(4, 1, random)] }); // prettier-ignore

describe('protocol helpers', () => {
  it('derives card facts from the head when a bundle has no card', () => {
    expect(describeModel(bundle, 'tiny')).toEqual({ id: 'tiny', name: 'tiny', title: 'tiny', task: 'regression', units: 'log units', metrics: {} }); // prettier-ignore
    const binary = { ...bundle, head: { kind: 'binary' as const, tasks: [{ name: 't', positiveLabel: 'yes', negativeLabel: 'no' }] } }; // prettier-ignore
    expect(describeModel(binary, 'b')).toMatchObject({ task: 'classification', classes: ['no', 'yes'] });
  });

  it('bounds uploads by the plan: keys around the estimate, ciphertexts by N and the primes', () => {
    const plan = planModel(bundle);
    const limits = uploadLimits(plan, 8);
    expect(limits.minEvaluationKeyBytes).toBeLessThan(plan.estimates.evaluationKeyBytes);
    expect(limits.maxEvaluationKeyBytes).toBeGreaterThan(plan.estimates.evaluationKeyBytes * 1.3);
    expect(limits.maxCiphertextBytes).toBe(3 * 8192 * 2 * 8 + 4096);
    expect(limits.maxRequestBytes).toBe(16 + 4 * 8 + 8 * (2 * 8192 * 2 * 8 + 4096) + 4);
  });
});

describe('ChemVeilHttpClient without a server', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  it('retries 429 after Retry-After, reports each request and maps errors to their codes', async () => {
    const replies = [
      json(429, { error: { code: 'OVER_CAPACITY', message: 'busy' } }, { 'retry-after': '0' }),
      json(200, { models: [] }),
      json(404, { error: { code: 'MODEL_NOT_FOUND', message: 'no model "x"' } }),
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    ];
    const events: RequestEvent[] = [];
    const http = new ChemVeilHttpClient('http://server.test/', {
      fetch: async () => replies.shift()!,
      onRequest: (e) => events.push(e),
    });
    expect(await http.listModels()).toEqual([]);
    expect(events.map((e) => [e.kind, e.status, e.path])).toEqual([
      ['metadata', 429, '/v1/models'],
      ['metadata', 200, '/v1/models'],
    ]);
    await expect(http.getModel('x')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404, message: 'no model "x"' }); // prettier-ignore
    const gateway = await http.getModel('y').catch((e: unknown) => e);
    expect(gateway).toBeInstanceOf(ProtocolError);
    expect(gateway).toMatchObject({ code: 'INTERNAL', status: 502 });
  });

  it('refuses more molecules than one query can carry', async () => {
    const model = { id: 'm', plan: { moleculesPerCiphertext: 4, partitions: [] }, limits: { maxCiphertextsPerRequest: 2 } } as unknown as ModelSummary; // prettier-ignore
    const http = new ChemVeilHttpClient('http://server.test', { fetch: async () => json(500, {}) });
    const fhe = { evaluationKeys: () => ({ galoisKeys: new Uint8Array(), publicKey: new Uint8Array() }), encryptFeatures: () => [], refresh: () => [], decryptOutputs: () => [] }; // prettier-ignore
    await expect(http.query(model, fhe, Array.from({ length: 9 }, () => [0]))).rejects.toThrow('at most 8 molecules per query'); // prettier-ignore
  });
});
