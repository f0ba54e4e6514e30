import {
  createCkksContext,
  InvalidCiphertextError,
  InvalidEvaluationKeysError,
  loadSeal,
  makeBundle,
  ModelEngine,
  planModel,
  randomDense,
  randomFingerprints,
  sealHeapBytes,
  seededRandom,
} from '@chemveil/core';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import { describe, expect, it } from 'vitest';
import { FheClient } from '../src/client.ts';
import { selectPlan } from '../src/select.ts';

const random = seededRandom(9);
const small = makeBundle({
  name: 'small',
  inputLength: 64,
  layers: [randomDense(64, 16, random), { kind: 'square' }, randomDense(16, 1, random)],
});

describe('client and session', () => {
  it('keeps the SEAL heap bounded over 200 encrypted inferences (no leaks)', async () => {
    const plan = planModel(small);
    const engine = await ModelEngine.create(plan, small);
    const client = await FheClient.create(plan);
    const session = engine.openSession(client.evaluationKeys());
    const inputs = randomFingerprints(plan.moleculesPerCiphertext, 64, random);
    const infer = () => client.infer(inputs, async (k, cts) => session.evaluatePartition(k, cts));
    try {
      for (let i = 0; i < 10; i++) await infer(); // warm SEAL's memory pool
      const before = sealHeapBytes()!;
      expect(before).toBeGreaterThan(0);
      for (let i = 0; i < 200; i++) await infer();
      const after = sealHeapBytes()!;
      // One leaked ciphertext per inference would add > 100 MB; allow one pool growth step.
      expect(after - before).toBeLessThanOrEqual(16 * 1024 * 1024);
    } finally {
      session.dispose();
      client.dispose();
      engine.dispose();
    }
  });

  it('exposes no secret key and fingerprints the public key', async () => {
    const plan = planModel(small);
    const client = await FheClient.create(plan);
    try {
      const names = [...Object.getOwnPropertyNames(FheClient.prototype), ...Object.keys(client)];
      expect(names.filter((n) => /secret/i.test(n))).toEqual([]);
      const fingerprint = await client.keyFingerprint();
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(await client.keyFingerprint()).toBe(fingerprint);
      // Seeded + zstd Galois keys: about half of one full key-switching key per step.
      const keys = client.evaluationKeys();
      expect(keys.galoisKeys.length).toBeLessThan(plan.galoisSteps.length * 400_000);
    } finally {
      client.dispose();
    }
  });

  it('rejects missing Galois steps, foreign bytes and wrong-level ciphertexts with typed errors', async () => {
    const plan = planModel(small);
    const engine = await ModelEngine.create(plan, small);
    const client = await FheClient.create(plan);
    const otherPlan = { ...plan, galoisSteps: plan.galoisSteps.slice(1) };
    const partialClient = await FheClient.create(otherPlan);
    try {
      expect(() => engine.openSession({ ...client.evaluationKeys(), galoisKeys: new Uint8Array(100) })).toThrow(
        InvalidEvaluationKeysError,
      );
      expect(() =>
        engine.openSession({ ...client.evaluationKeys(), galoisKeys: partialClient.evaluationKeys().galoisKeys }),
      ).toThrow(/lack steps/);
      const session = engine.openSession(client.evaluationKeys());
      try {
        expect(() => session.evaluatePartition(0, [new Uint8Array(64)])).toThrow(InvalidCiphertextError);
        const inputs = randomFingerprints(1, 64, random);
        const results = session.evaluatePartition(0, client.encryptFeatures(inputs));
        // A result fed back in is not a fresh top-level ciphertext.
        expect(() => session.evaluatePartition(0, results)).toThrow(InvalidCiphertextError);
      } finally {
        session.dispose();
      }
    } finally {
      partialClient.dispose();
      client.dispose();
      engine.dispose();
    }
  });

  it('decrypts only results that match the public plan (a hostile server cannot slip in something else)', async () => {
    const plan = planModel(small);
    const engine = await ModelEngine.create(plan, small);
    const client = await FheClient.create(plan);
    const session = engine.openSession(client.evaluationKeys());
    const seal = await loadSeal();
    const ckks = createCkksContext(seal, plan.parameters);
    const evaluator = seal.Evaluator(ckks.context);
    try {
      const inputs = client.encryptFeatures(randomFingerprints(1, 64, random));
      const [result] = session.evaluatePartition(0, inputs);
      expect(client.decryptPartition(0, [result!], 1)[0]).toHaveLength(plan.partitions[0]!.output.layout.length);
      /** The honest result, changed by `tamper`, re-saved uncompressed unless said otherwise. */
      const tampered = (tamper: (ct: CipherText) => void, compression = seal.ComprModeType.none) => {
        const ct = seal.CipherText();
        try {
          ct.loadArray(ckks.context, result!);
          tamper(ct);
          return ct.saveArray(compression);
        } finally {
          ct.delete();
        }
      };
      const refused = (bytes: Uint8Array) => () => client.decryptPartition(0, [bytes], 1);
      // Compressed: SEAL would inflate it with no limit before anything could be checked.
      expect(refused(tampered(() => undefined, seal.ComprModeType.zstd))).toThrow(/compressed/);
      // Another level and scale (a fresh input), another scale, another size: not what partition 0 returns.
      const [size, primes, bits] = [plan.partitions[0]!.output.ciphertextSize, ckks.dataPrimes.length - 1, plan.partitions[0]!.output.scaleBits]; // prettier-ignore
      expect(refused(inputs[0]!)).toThrow(`got size ${size}, ${primes + 1} primes`);
      expect(refused(tampered((ct) => ct.setScale(ct.scale * 4)))).toThrow(`got size ${size}, ${primes} primes, scale 2^${(bits + 2).toFixed(2)}`); // prettier-ignore
      const squared = seal.CipherText();
      squared.loadArray(ckks.context, inputs[0]!);
      evaluator.square(squared, squared);
      expect(refused(squared.saveArray(seal.ComprModeType.none))).toThrow(/got size 3|larger than any ciphertext/);
      squared.delete();
      expect(refused(new Uint8Array(64))).toThrow(InvalidCiphertextError);
    } finally {
      evaluator.delete();
      ckks.delete();
      session.dispose();
      client.dispose();
      engine.dispose();
    }
  });

  it('selects parameters by measured error: N=4096 cannot hold the precision, N=8192 does', async () => {
    const samples = randomFingerprints(4, 64, random);
    const selection = await selectPlan(small, samples);
    expect(selection.plan.parameters.polyModulusDegree).toBe(8192);
    expect(selection.maxAbsError).toBeLessThan(1e-3);
    expect(selection.trials.find((t) => t.parameters.polyModulusDegree === 4096)?.rejected).toMatch(/scale bits/);
  });
});
