import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '@chemveil/core';
import { keyIdFor } from '../src/workers/fhe-bridge.ts';

// The fields of a model summary a key set depends on (the rest of a summary does not reach keyIdFor).
const esol = {
  id: 'esol',
  version: '1.0.0',
  plan: {
    parameters: { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 40, 58] },
    galoisSteps: [0, 1, 2, 4],
    moleculesPerCiphertext: 8,
  },
} as unknown as ModelSummary;

describe('keyIdFor: one key set per server and model', () => {
  it('never shares a key set between servers', () => {
    const ids = [
      'http://127.0.0.1:8787',
      'http://127.0.0.1:8788',
      'http://localhost:8787',
      'https://127.0.0.1:8787',
      'https://models.example',
      'https://models.example/other-server',
    ].map((server) => keyIdFor(esol, server));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toContain('http://127.0.0.1:8787');
  });

  it('is the same for the same server however its URL is written', () => {
    const id = keyIdFor(esol, 'https://models.example/chemveil');
    expect(keyIdFor(esol, 'https://models.example/chemveil/')).toBe(id);
    expect(keyIdFor(esol, 'https://MODELS.example:443/chemveil')).toBe(id);
  });

  it('changes with the model and what its keys depend on', () => {
    const server = 'http://127.0.0.1:8787';
    const id = keyIdFor(esol, server);
    expect(keyIdFor({ ...esol, version: '1.0.1' }, server)).not.toBe(id);
    expect(keyIdFor({ ...esol, id: 'bbbp' }, server)).not.toBe(id);
    expect(keyIdFor({ ...esol, plan: { ...esol.plan, galoisSteps: [0, 1] } }, server)).not.toBe(id);
    expect(keyIdFor({ ...esol, title: 'renamed' }, server)).toBe(id);
  });
});
