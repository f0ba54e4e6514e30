/**
 * Engine benchmark: per network, the planned CKKS evaluation (BSGS hybrid diagonals, interleaved batching, minimal
 * seeded keys, client refreshes) against TenSEAL's `mm` algorithm (one rotation + product per input element,
 * SEAL's power-of-two Galois keys, ChemXor's N=8192 [60,40,40,60] chain at scale 2^40) on the same weights.
 * Run standalone: `npx tsx bench/engine.ts` prints the JSON.
 */
import {
  createCkksContext,
  loadSeal,
  lowerBundle,
  makeBundle,
  ModelEngine,
  randomConv2d,
  randomDense,
  randomFingerprints,
  referenceForward,
  seededRandom,
} from '@chemveil/core';
import type { EvaluationPlan, LinearStage, ModelBundle } from '@chemveil/core';
import { FheClient, selectPlan } from '@chemveil/fhe-worker';
import os from 'node:os';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PlainText } from 'node-seal/implementation/plain-text';

export interface EngineNetworkResult {
  name: string;
  /** Mask bits of the blinded refresh (0: unblinded, the engine alone). */
  maskBits: number;
  parameters: EvaluationPlan['parameters'];
  partitions: number;
  serverMsPerCiphertext: number;
  firstPartitionComputeMs: number;
  moleculesPerCiphertext: number;
  serverMsPerMolecule: number;
  singleMoleculeMs: number;
  rotations: number;
  galoisSteps: number;
  evalKeyBytes: number;
  queryBytes: number;
  refreshUploadBytes: number;
  resultBytes: number;
  clientKeygenMs: number;
  clientEncryptMs: number;
  clientDecryptMs: number;
  weightEncodingMs: number;
  maxAbsError: number;
  baselineMs: number;
  baselineRotations: number;
  baselineKeySwitches: number;
  baselineMaxAbsError: number;
  /** baselineMs (one molecule per ciphertext) / serverMsPerMolecule. */
  speedup: number;
  /** baselineMs / our single-ciphertext server time (one molecule, no batching benefit). */
  speedupPerCiphertext: number;
}

export interface EngineBenchResult {
  machine: string;
  nodeSeal: string;
  networks: EngineNetworkResult[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function benchmarkNetworks(): { bundle: ModelBundle; samples: Float64Array[] }[] {
  const random = seededRandom(2024);
  const mlp = makeBundle({
    name: 'mlp-1024-64-sq-32-sq-1',
    inputLength: 1024,
    layers: [randomDense(1024, 64, random), { kind: 'square' }, randomDense(64, 32, random), { kind: 'square' }, randomDense(32, 1, random)], // prettier-ignore
  });
  const conv = makeBundle({
    name: 'conv4x4s4-sq-256-64-sq-1',
    inputLength: 1024,
    layout: '32x32',
    layers: [
      randomConv2d(1, 4, 4, 4, 0, random),
      { kind: 'square' },
      { kind: 'flatten' },
      randomDense(256, 64, random),
      { kind: 'square' },
      randomDense(64, 1, random),
    ],
  });
  return [mlp, conv].map((bundle) => ({ bundle, samples: randomFingerprints(8, 1024, random) }));
}

/** TenSEAL `mm`-style evaluation of the same lowered network, one molecule per ciphertext. */
async function runBaseline(bundle: ModelBundle, input: Float64Array) {
  const seal = await loadSeal();
  const parameters = { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 40, 60], securityLevel: 'tc128' as const };
  const ckks = createCkksContext(seal, parameters);
  const keyGenerator = seal.KeyGenerator(ckks.context);
  const secretKey = keyGenerator.secretKey();
  const publicKey = keyGenerator.createPublicKey();
  const relinKeys = keyGenerator.createRelinKeys();
  const galoisKeys = keyGenerator.createGaloisKeys(); // SEAL default: every ±2^k, as TenSEAL generates
  const encryptor = seal.Encryptor(ckks.context, publicKey, secretKey);
  const decryptor = seal.Decryptor(ckks.context, secretKey);
  const evaluator = seal.Evaluator(ckks.context);
  const slots = ckks.slotCount;
  const scale = 2 ** 40;
  let serverMs = 0;
  let rotations = 0;
  let keySwitches = 0;
  const nafWeight = (n: number): number => {
    let w = 0;
    while (n > 0) {
      if (n & 1) {
        w++;
        n = n & 2 ? n + 1 : n - 1;
      }
      n >>= 1;
    }
    return w;
  };
  const encrypt = (vector: Float64Array, period: number): CipherText => {
    const values = Float64Array.from({ length: slots }, (_, s) => vector[s % period] ?? 0);
    const plain = ckks.encoder.encode(values, scale) as PlainText;
    const ct = encryptor.encrypt(plain) as CipherText;
    plain.delete();
    return ct;
  };
  const decrypt = (ct: CipherText, length: number): Float64Array => {
    const plain = decryptor.decrypt(ct) as PlainText;
    const values = ckks.encoder.decode(plain).slice(0, length);
    plain.delete();
    return values;
  };
  const stages = lowerBundle(bundle);
  let vector: Float64Array = Float64Array.from(input);
  let ct: CipherText | undefined;
  let levelsLeft = 0;
  const refresh = (length: number, period: number) => {
    // Out of levels (or at the start): the client decrypts and re-encrypts (client time, not counted).
    if (ct) {
      vector = decrypt(ct, length);
      ct.delete();
    }
    ct = encrypt(vector, period);
    levelsLeft = 2;
  };
  const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(n));
  for (const stage of stages) {
    if (stage.kind === 'linear') {
      const linear = stage as LinearStage;
      const width = Math.max(pow2(linear.inLength), pow2(linear.outLength));
      if (levelsLeft < 1 || !ct) refresh(linear.inLength, width);
      const dense = new Float64Array(linear.outLength * linear.inLength);
      const { forEachWeight } = await import('@chemveil/core');
      forEachWeight(linear, (r, c, w) => (dense[r * linear.inLength + c] = w));
      const started = performance.now();
      let accumulator: CipherText | undefined;
      // mm: for every input element i, rot_i(x) ⊙ diag_i (diag_i[j] = W[j][(j + i) mod n] for j < out).
      for (let i = 0; i < width; i++) {
        const diagonal = new Float64Array(slots);
        let nonZero = false;
        for (let j = 0; j < linear.outLength; j++) {
          const c = (j + i) % width;
          if (c < linear.inLength) diagonal[j] = dense[j * linear.inLength + c]!;
          nonZero ||= diagonal[j] !== 0;
        }
        if (!nonZero) continue;
        const rotated = i === 0 ? ct!.clone() : (evaluator.rotateVector(ct!, i, galoisKeys) as CipherText);
        if (i > 0) {
          rotations++;
          keySwitches += nafWeight(i);
        }
        const plain = ckks.encoder.encode(diagonal, scale) as PlainText;
        evaluator.plainModSwitchTo(plain, ct!.parmsId, plain);
        evaluator.multiplyPlain(rotated, plain, rotated);
        plain.delete();
        if (!accumulator) accumulator = rotated;
        else {
          evaluator.add(accumulator, rotated, accumulator);
          rotated.delete();
        }
      }
      evaluator.rescaleToNext(accumulator!, accumulator!);
      const bias = new Float64Array(slots);
      linear.bias.forEach((b, j) => (bias[j] = b));
      const biasPlain = ckks.encoder.encode(bias, accumulator!.scale) as PlainText;
      evaluator.plainModSwitchTo(biasPlain, accumulator!.parmsId, biasPlain);
      evaluator.addPlain(accumulator!, biasPlain, accumulator!);
      biasPlain.delete();
      // TenSEAL replicates the result before the next matmul: log2(slots / period) rotations.
      const next = pow2(linear.outLength);
      for (let step = next; step < slots; step *= 2) {
        const rotated = evaluator.rotateVector(accumulator!, -step, galoisKeys) as CipherText;
        rotations++;
        keySwitches++;
        evaluator.add(accumulator!, rotated, accumulator!);
        rotated.delete();
      }
      serverMs += performance.now() - started;
      ct!.delete();
      ct = accumulator;
      levelsLeft--;
      vector = new Float64Array(linear.outLength);
    } else if (stage.kind === 'square') {
      if (levelsLeft < 1 || !ct) refresh(stage.length, pow2(stage.length));
      const started = performance.now();
      evaluator.square(ct!, ct!);
      evaluator.relinearize(ct!, relinKeys, ct!);
      evaluator.rescaleToNext(ct!, ct!);
      serverMs += performance.now() - started;
      levelsLeft--;
    }
  }
  const last = stages[stages.length - 1]!;
  const output = decrypt(ct!, last.kind === 'linear' ? last.outLength : last.length);
  ct!.delete();
  for (const o of [evaluator, decryptor, encryptor, galoisKeys, relinKeys, publicKey, secretKey, keyGenerator])
    o.delete();
  ckks.delete();
  return { serverMs, rotations, keySwitches, output };
}

/** `maskBits` undefined: what the server would choose (privacy first); 0: the unblinded plan. */
async function benchNetwork(
  bundle: ModelBundle,
  samples: Float64Array[],
  maskBits?: number,
): Promise<EngineNetworkResult> {
  const { plan, maxAbsError: selectionError } = await selectPlan(bundle, samples, maskBits === undefined ? {} : { maskBits }); // prettier-ignore
  const encodeStarted = performance.now();
  const engine = await ModelEngine.create(plan, bundle);
  const weightEncodingMs = performance.now() - encodeStarted;
  const client = await FheClient.create(plan);
  const keys = client.evaluationKeys();
  const session = engine.openSession(keys);
  const lanes = plan.moleculesPerCiphertext;
  try {
    // Batched: B molecules per ciphertext; server time is every partition's evaluatePartition (load + evaluate +
    // save), client refreshes excluded. Median of 5.
    const batch = samples.slice(0, lanes);
    const serverTimes: number[] = [];
    const computeTimes: number[] = [];
    let queryBytes = 0;
    let refreshUploadBytes = 0;
    let resultBytes = 0;
    let maxAbsError = selectionError;
    for (let run = 0; run < 5; run++) {
      let server = 0;
      let cts = client.encryptFeatures(batch);
      queryBytes = cts.reduce((a, c) => a + c.length, 0);
      refreshUploadBytes = 0;
      for (let k = 0; k < plan.partitions.length; k++) {
        const started = performance.now();
        const results = session.evaluatePartition(k, cts);
        server += performance.now() - started;
        if (k === plan.partitions.length - 1) {
          resultBytes = results.reduce((a, c) => a + c.length, 0);
          const outputs = client.decryptOutputs(results, batch.length);
          batch.forEach((x, m) => {
            const expected = referenceForward(bundle, x);
            expected.forEach((y, i) => (maxAbsError = Math.max(maxAbsError, Math.abs(outputs[m]![i]! - y))));
          });
        } else {
          cts = client.refresh(k, results, batch.length);
          refreshUploadBytes += cts.reduce((a, c) => a + c.length, 0);
        }
      }
      serverTimes.push(server);
      // Compute only (ciphertexts already loaded), for the record.
      const seal = engine.ckks.seal;
      const fresh = client.encryptFeatures(batch)[0]!;
      const ct = seal.CipherText();
      ct.loadArray(engine.ckks.context, fresh);
      const started = performance.now();
      const out = session.evaluateCiphertext(0, ct);
      let compute = performance.now() - started;
      out.delete();
      ct.delete();
      compute += 0; // later partitions need refreshed inputs; the batched total above covers them
      computeTimes.push(compute);
    }
    // Single molecule, end to end in process (client encrypt + every partition + refreshes + decrypt).
    const singleTimes: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      await client.infer([samples[0]!], async (k, cts) => session.evaluatePartition(k, cts));
      singleTimes.push(performance.now() - started);
    }
    const baseline = await runBaseline(bundle, samples[0]!);
    const baselineError = Math.abs(baseline.output[0]! - referenceForward(bundle, samples[0]!)[0]!);
    const serverMsPerCiphertext = median(serverTimes);
    return {
      name: bundle.name,
      maskBits: plan.blinding?.maskBits ?? 0,
      parameters: plan.parameters,
      partitions: plan.partitions.length,
      serverMsPerCiphertext: round(serverMsPerCiphertext),
      firstPartitionComputeMs: round(median(computeTimes)),
      moleculesPerCiphertext: lanes,
      serverMsPerMolecule: round(serverMsPerCiphertext / lanes),
      singleMoleculeMs: round(median(singleTimes)),
      rotations: plan.estimates.rotations,
      galoisSteps: plan.galoisSteps.length,
      evalKeyBytes: keys.galoisKeys.length + (keys.relinKeys?.length ?? 0) + keys.publicKey.length,
      queryBytes,
      refreshUploadBytes,
      resultBytes,
      clientKeygenMs: round(client.timings.keygenMs),
      clientEncryptMs: round(client.timings.encryptMs / (5 + 5)),
      clientDecryptMs: round(client.timings.decryptMs / (5 + 5)),
      weightEncodingMs: round(weightEncodingMs),
      maxAbsError: Number(maxAbsError.toExponential(2)),
      baselineMs: round(baseline.serverMs),
      baselineRotations: baseline.rotations,
      baselineKeySwitches: baseline.keySwitches,
      baselineMaxAbsError: Number(baselineError.toExponential(2)),
      speedup: round(baseline.serverMs / (serverMsPerCiphertext / lanes)),
      speedupPerCiphertext: round(baseline.serverMs / serverMsPerCiphertext),
    };
  } finally {
    session.dispose();
    client.dispose();
    engine.dispose();
  }
}

export async function runEngineBench(): Promise<EngineBenchResult> {
  const networks: EngineNetworkResult[] = [];
  // Each network twice: as the server would plan it (blinded, privacy first), and unblinded (the engine alone).
  for (const { bundle, samples } of benchmarkNetworks())
    for (const maskBits of [undefined, 0]) {
      networks.push(await benchNetwork(bundle, samples, maskBits));
      if (process.env.BENCH_VERBOSE) console.error(JSON.stringify(networks[networks.length - 1]));
    }
  const seal = await loadSeal();
  return {
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}`,
    nodeSeal: seal.Version,
    networks,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runEngineBench().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
