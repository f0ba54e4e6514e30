import { ChemVeilHttpClient, ProtocolError, referenceForward } from '@chemveil/core';
import type { RequestEvent } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@chemveil/server';
import { modelsDir, smallRegression } from './helpers.ts';
import { heldOutFeatures } from '../../../stress/molecules.ts';

// The shared fetch client against a real port: what the CLI and the browser use.
const small = smallRegression();
const app = createApp({ ...modelsDir({ 'small.cvmb': small }), workers: 2 });
let url: string;

beforeAll(async () => {
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

describe('ChemVeilHttpClient', () => {
  it('runs encrypted inference, reports every request by kind and size, and re-creates lost sessions', async () => {
    const events: RequestEvent[] = [];
    const http = new ChemVeilHttpClient(`${url}/`, { onRequest: (e) => events.push(e) });
    expect(await http.health()).toMatchObject({ status: 'ok', models: 1, workers: 2 });
    const [model] = await http.listModels();
    const fhe = await FheClient.create(model!.plan);
    try {
      const inputs = await heldOutFeatures(small, 150);
      const outputs = await http.infer(model!, fhe, inputs, { concurrency: 2 });
      inputs.forEach((x, i) => expect(Math.abs(outputs[i]![0]! - referenceForward(small, x)[0]!)).toBeLessThan(1e-3));
      const keyUploads = events.filter((e) => e.kind === 'public-keys');
      expect(keyUploads).toHaveLength(1);
      expect(keyUploads[0]!.bytesSent).toBeGreaterThan(1e6);
      const ciphertexts = events.filter((e) => e.kind === 'ciphertext');
      expect(ciphertexts.length).toBe(model!.plan.partitions.length); // 150 molecules: one request per partition
      expect(ciphertexts.every((e) => e.status === 200 && e.bytesSent > 0 && e.bytesReceived > 0)).toBe(true);

      // The server forgets the session (expiry, restart): the client opens a new one and starts over.
      const { sessionId } = await http.session(model!, fhe);
      // Session ids travel in a header, never in a path (paths reach access logs).
      expect(events.filter((e) => e.path.includes(sessionId))).toEqual([]);
      expect(ciphertexts.map((e) => e.path)).toEqual(model!.plan.partitions.map((_, k) => `/v1/partitions/${k}`));
      await http.deleteSession(sessionId);
      const again = await http.query(model!, fhe, inputs.slice(0, 3));
      expect(Math.abs(again[2]![0]! - outputs[2]![0]!)).toBeLessThan(1e-3);
      expect(events.filter((e) => e.kind === 'public-keys')).toHaveLength(2);
      expect(events.some((e) => e.status === 404)).toBe(true);
      await http.closeSession(fhe);
    } finally {
      fhe.dispose();
    }
  });

  it('turns error replies into ProtocolErrors with the stable code', async () => {
    const http = new ChemVeilHttpClient(url);
    const error = await http.getModel('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'MODEL_NOT_FOUND', status: 404 });
    await expect(new ChemVeilHttpClient('http://127.0.0.1:9').listModels()).rejects.toMatchObject({ code: 'NETWORK' });
  });
});
