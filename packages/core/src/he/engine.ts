import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import type { Evaluator } from 'node-seal/implementation/evaluator';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys';
import type { PlainText } from 'node-seal/implementation/plain-text';
import type { PublicKey } from 'node-seal/implementation/public-key';
import type { RelinKeys } from 'node-seal/implementation/relin-keys';
import type { ModelBundle } from '../bundle/types.ts';
import { extendedDiagonals, slotMatrix } from '../plan/diagonals.ts';
import { broadcastPeriod, laneCount, positionOf } from '../plan/layout.ts';
import { lowerBundle } from '../plan/lower.ts';
import type { LinearStage } from '../plan/lower.ts';
import type { EvaluationPlan, LinearOpPlan } from '../plan/types.ts';
import { maskSlots, moleculesInCiphertext, uniformMasks, unmaskSlots } from './blinding.ts';
import type { CiphertextBlinding, PartitionBlinding } from './blinding.ts';
import { sealBlobProblem } from './blob.ts';
import { createCkksContext, galoisElementForStep } from './context.ts';
import type { CkksContext } from './context.ts';
import { InvalidCiphertextError, InvalidEvaluationKeysError, sealCall, sealErrorMessage } from './errors.ts';
import { imaginaryUnitPlain } from './imaginary-unit.ts';
import { SealScope, withScope } from './lifetime.ts';
import { loadSeal } from './seal.ts';
import type { SealLoader } from './seal.ts';

/** Encoded weights of one linear op: pre-rotated diagonals grouped by giant step, and the bias. */
interface EncodedLinear {
  op: LinearOpPlan;
  /** giant index g → [baby index b, plaintext of rot_{-g·n1}(d_{g·n1+b})]. */
  groups: Map<number, [number, PlainText][]>;
  bias?: PlainText;
  /** Rescale each inner sum before the giant steps and the fold (see EARLY_RESCALE_MIN_SCALE_BITS). */
  rescaleEarly: boolean;
}

/**
 * A linear op that rescales may do it before its giant-step and fold rotations instead of after them: key
 * switching then runs over one data prime fewer (on [60,60,40,58], 2 primes instead of 3; A/B in one process:
 * esol's first layer −21%, whole networks −7…−12%, same error). The rotations' noise then lands on the rescaled
 * scale instead of being divided by q1, so this is done only when that scale keeps at least this many bits (the
 * shipped three-prime plans keep 39–40; a two-prime [60,30,60] plan keeps ~24, where the noise would show).
 */
const EARLY_RESCALE_MIN_SCALE_BITS = 36;

/** What a client uploads to open a session: all public (they let the server rotate, relinearize and encrypt). */
export interface SessionKeyBytes {
  galoisKeys: Uint8Array;
  /** Present when the plan relinearizes its squares. */
  relinKeys?: Uint8Array;
  /** The client's public key: the server re-randomizes every result with a fresh encryption under it. */
  publicKey: Uint8Array;
}

const rotateLeft = (vector: Float64Array, by: number): Float64Array => {
  const n = vector.length;
  const shift = ((by % n) + n) % n;
  return Float64Array.from({ length: n }, (_, j) => vector[(j + shift) % n]!);
};

/**
 * The server side of one model: the SEAL context and every weight encoded once (pre-rotated diagonals at the top
 * level and the weight scale, biases at the level and scale the ciphertext will have). Sessions share it.
 */
export class ModelEngine {
  private readonly encoded = new Map<string, EncodedLinear>();
  /** X^(N/2) (×i on every slot) at the top level and one prime below, for fresh imaginary randomness. */
  private readonly imaginaryUnits: PlainText[] = [];
  private disposed = false;

  private constructor(
    readonly plan: EvaluationPlan,
    readonly ckks: CkksContext,
    private readonly evaluator: Evaluator,
  ) {}

  static async create(plan: EvaluationPlan, bundle: ModelBundle, loader?: SealLoader): Promise<ModelEngine> {
    const seal = await loadSeal(loader);
    const ckks = createCkksContext(seal, plan.parameters);
    const engine = new ModelEngine(plan, ckks, seal.Evaluator(ckks.context));
    try {
      engine.encodeWeights(bundle);
      engine.imaginaryUnits.push(
        imaginaryUnitPlain(ckks, ckks.topParmsId, ckks.primes),
        imaginaryUnitPlain(ckks, ckks.lowerParmsId, ckks.primes.slice(0, -1)),
      );
    } catch (error) {
      engine.dispose();
      throw error;
    }
    return engine;
  }

  private encodeWeights(bundle: ModelBundle): void {
    const stages = lowerBundle(bundle);
    const { encoder } = this.ckks;
    const lanes = laneCount(this.plan);
    const slots = this.plan.slotCount;
    const q1 = this.ckks.dataPrimes[this.ckks.dataPrimes.length - 1]!;
    for (const partition of this.plan.partitions) {
      partition.ops.forEach((op, opIndex) => {
        if (op.kind !== 'linear') return;
        const stage = stages[op.stage] as LinearStage;
        if (stage?.kind !== 'linear') throw new Error(`plan and bundle disagree at stage ${op.stage}`);
        const diagonals = extendedDiagonals(slotMatrix(stage, partition.input.layout));
        const weightScale = 2 ** op.weightScaleBits;
        // A real-part projection hands the first linear map ct + conj(ct) = 2·Re: it takes W/2.
        const factor = opIndex === 0 && partition.input.realPart ? 0.5 : 1;
        const groups = new Map<number, [number, PlainText][]>();
        for (const [i, diagonal] of diagonals) {
          const g = Math.floor(i / op.babyStep);
          const b = i % op.babyStep;
          // Pre-rotate by −g·n1 so the giant rotation can act on the sum of products.
          const rotated = rotateLeft(diagonal, -g * op.babyStep);
          const values = broadcastPeriod(factor === 1 ? rotated : rotated.map((v) => v * factor), lanes, slots);
          const plain = sealCall('encode diagonal', () => encoder.encode(values, weightScale) as PlainText);
          if (plain.isZero) {
            plain.delete(); // multiplyPlain by zero yields a transparent ciphertext, which SEAL refuses.
            continue;
          }
          if (!groups.has(g)) groups.set(g, []);
          groups.get(g)!.push([b, plain]);
        }
        const inputScale = 2 ** partition.input.scaleBits;
        // After the rescale the scale is 2^(s_in + s_w) / q1 exactly; without it, 2^(s_in + s_w).
        const scale = op.rescale ? (inputScale * weightScale) / q1 : inputScale * weightScale;
        const entry: EncodedLinear = { op, groups, rescaleEarly: op.rescale && Math.log2(scale) >= EARLY_RESCALE_MIN_SCALE_BITS }; // prettier-ignore
        if (stage.bias.some((v) => v !== 0)) {
          const period = new Float64Array(op.outputPeriod);
          for (let r = 0; r < stage.outLength; r++) period[positionOf(op.outputLayout, r)] = stage.bias[r]!;
          entry.bias = sealCall('encode bias', () => {
            const plain = encoder.encode(broadcastPeriod(period, lanes, slots), scale) as PlainText;
            if (op.rescale) this.evaluator.plainModSwitchTo(plain, this.ckks.lowerParmsId, plain);
            return plain;
          });
        }
        this.encoded.set(`${partition.index}:${opIndex}`, entry);
      });
    }
  }

  /**
   * Loads a session's public keys (the client's seeded bytes) and checks every Galois step the plan needs is
   * there. Every object is freed if any of them fails.
   */
  openSession(keyBytes: SessionKeyBytes): EvaluationSession {
    this.assertAlive();
    const { seal, context } = this.ckks;
    const scope = new SealScope();
    try {
      const load = <T extends { loadArray(context: unknown, bytes: Uint8Array): void; delete(): void }>(
        what: string,
        object: T,
        bytes: Uint8Array,
      ): T => {
        scope.track(object);
        const problem = sealBlobProblem(bytes);
        if (problem) throw new InvalidEvaluationKeysError(`${what}: ${problem}`);
        try {
          object.loadArray(context, bytes);
        } catch (error) {
          throw new InvalidEvaluationKeysError(`${what} do not load: ${sealErrorMessage(error)}`);
        }
        return object;
      };
      const galoisKeys = load('Galois keys', seal.GaloisKeys(), keyBytes.galoisKeys);
      const missing = this.plan.galoisSteps.filter(
        (step) => !galoisKeys.hasKey(galoisElementForStep(step, this.plan.parameters.polyModulusDegree)),
      );
      if (missing.length) throw new InvalidEvaluationKeysError(`Galois keys lack steps ${missing.join(', ')}`);
      let relinKeys: RelinKeys | undefined;
      if (this.plan.relinearizationKeys) {
        if (!keyBytes.relinKeys) throw new InvalidEvaluationKeysError('this plan needs relinearization keys');
        relinKeys = load('relinearization keys', seal.RelinKeys(), keyBytes.relinKeys);
      }
      const publicKey = load('public key', seal.PublicKey(), keyBytes.publicKey);
      const encryptor = sealCall('public-key encryptor', () => seal.Encryptor(context, publicKey));
      const session = new EvaluationSession(this, { galoisKeys, relinKeys, publicKey, encryptor }, this.evaluator);
      scope.release(galoisKeys);
      if (relinKeys) scope.release(relinKeys);
      scope.release(publicKey);
      return session;
    } finally {
      scope.dispose();
    }
  }

  /** @internal X^(N/2) at the level of a ciphertext with `primes` data primes. */
  imaginaryUnit(primes: number): PlainText {
    return this.imaginaryUnits[primes === this.ckks.dataPrimes.length ? 0 : 1]!;
  }

  /** @internal */
  encodedLinear(partition: number, op: number): EncodedLinear {
    return this.encoded.get(`${partition}:${op}`)!;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('ModelEngine was disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.encoded.values()) {
      entry.bias?.delete();
      for (const group of entry.groups.values()) for (const [, plain] of group) plain.delete();
    }
    this.encoded.clear();
    for (const unit of this.imaginaryUnits) unit.delete();
    this.evaluator.delete();
    this.ckks.delete();
  }
}

interface SessionKeys {
  galoisKeys: GaloisKeys;
  relinKeys?: RelinKeys;
  publicKey: PublicKey;
  /** Public-key encryption under the client's key: the server's only source of fresh ciphertext randomness. */
  encryptor: Encryptor;
}

/** One client session on the server: its public keys and the partitions it asks for. */
export class EvaluationSession {
  constructor(
    private readonly engine: ModelEngine,
    private readonly keys: SessionKeys,
    private readonly evaluator: Evaluator,
  ) {}

  /**
   * Runs partition k on serialized ciphertexts (one per B molecules) and returns serialized results. With
   * `blinding` (masks from `drawPartitionMasks`, per ciphertext) the result is masked and the input unmasked.
   */
  evaluatePartition(index: number, ciphertexts: Uint8Array[], blinding?: PartitionBlinding): Uint8Array[] {
    const { seal, context } = this.engine.ckks;
    const plan = this.engine.plan;
    return ciphertexts.map((bytes, group) =>
      withScope((scope) => {
        const problem = sealBlobProblem(bytes);
        if (problem) throw new InvalidCiphertextError(`ciphertext: ${problem}`);
        const input = scope.track(seal.CipherText());
        try {
          input.loadArray(context, bytes);
        } catch (error) {
          throw new InvalidCiphertextError(`ciphertext does not load: ${sealErrorMessage(error)}`);
        }
        // A transparent ciphertext (c1 = 0, e.g. all zeros) is not encrypted at all: refuse it rather than compute on it.
        if (input.isTransparent) throw new InvalidCiphertextError('ciphertext is transparent (not encrypted)');
        const masks = blinding && {
          molecules: moleculesInCiphertext(plan, blinding.molecules, group),
          mask: blinding.masks?.[group],
          unmask: blinding.unmasks?.[group],
        };
        const result = scope.track(this.evaluateCiphertext(index, input, masks));
        // Uncompressed: a client can check a result's exact size before SEAL inflates anything.
        return sealCall('save result', () => result.saveArray(seal.ComprModeType.none));
      }),
    );
  }

  /**
   * Runs partition k on a loaded ciphertext; the caller owns (and deletes) the returned ciphertext. `blinding`
   * removes the previous partition's mask from the input and adds this partition's mask to the result (both with
   * plaintext adds: no level, no key switch).
   */
  evaluateCiphertext(index: number, input: CipherText, blinding?: CiphertextBlinding): CipherText {
    const plan = this.engine.plan;
    const partition = plan.partitions[index];
    if (!partition) throw new RangeError(`no partition ${index}`);
    const expectedScale = 2 ** partition.input.scaleBits;
    if (input.size !== 2 || input.coeffModulusSize !== this.engine.ckks.dataPrimes.length || Math.abs(input.scale / expectedScale - 1) > 1e-9)
      throw new InvalidCiphertextError(`partition ${index} takes fresh top-level ciphertexts at scale 2^${partition.input.scaleBits}`); // prettier-ignore
    if (blinding && (blinding.molecules < 1 || blinding.molecules > plan.moleculesPerCiphertext))
      throw new RangeError(`a ciphertext carries 1..${plan.moleculesPerCiphertext} molecules, not ${blinding.molecules}`); // prettier-ignore
    if (blinding?.unmask && index === 0) throw new RangeError('partition 0 has no previous mask to remove');
    if (blinding?.mask && !partition.output.maskRange) throw new RangeError(`partition ${index} is not blinded`);
    // The caller keeps `input`; every intermediate ciphertext is ours and is freed as soon as the next one exists.
    let current = input;
    const step = (next: CipherText): void => {
      if (current !== input) current.delete();
      current = next;
    };
    try {
      if (blinding?.unmask) step(this.addSlots(current, unmaskSlots(plan, index, blinding), -1));
      if (partition.input.realPart) step(this.realPart(current));
      partition.ops.forEach((op, opIndex) => {
        step(op.kind === 'linear' ? this.linear(current, this.engine.encodedLinear(index, opIndex)) : this.square(current, op.relinearize, op.rescale)); // prettier-ignore
      });
      step(this.finish(current, index, blinding));
      return current;
    } catch (error) {
      if (current !== input) current.delete();
      throw error;
    }
  }

  /**
   * What every returned ciphertext goes through last (circuit privacy). The real half of every slot gets the mask
   * (intermediate partitions: the stored r; other slots fresh) or, on the final partition, fresh flooding noise;
   * then a fresh public-key encryption of i·v, v uniform on every slot, is added: the imaginary half of every slot
   * is fresh randomness, and the result's (c0, c1) become a fresh encryption's (c1 = a·u + e for a secret u the
   * client never sees), so nothing the client gets back is a deterministic function of what it sent.
   */
  private finish(ct: CipherText, index: number, blinding?: CiphertextBlinding): CipherText {
    const plan = this.engine.plan;
    const output = plan.partitions[index]!.output;
    const { encoder } = this.engine.ckks;
    const real = blinding?.mask
      ? maskSlots(plan, index, blinding)
      : output.floodRange
        ? uniformMasks(plan.slotCount, output.floodRange)
        : undefined;
    return withScope((scope) => {
      const masked = real ? scope.track(this.addSlots(ct, real, 1)) : ct;
      const plain = scope.track(sealCall('encode re-randomizer', () => encoder.encode(uniformMasks(plan.slotCount, output.imaginaryRange), ct.scale) as PlainText)); // prettier-ignore
      if (ct.coeffModulusSize < this.engine.ckks.dataPrimes.length)
        sealCall('re-randomizer level', () => this.evaluator.plainModSwitchTo(plain, this.engine.ckks.lowerParmsId, plain)); // prettier-ignore
      const fresh = scope.track(sealCall('encrypt re-randomizer', () => this.keys.encryptor.encrypt(plain) as CipherText)); // prettier-ignore
      // ×X^(N/2): the fresh encryption of v becomes one of i·v (exact; scale 1, no noise growth).
      sealCall('imaginary unit', () => this.evaluator.multiplyPlain(fresh, this.engine.imaginaryUnit(ct.coeffModulusSize), fresh)); // prettier-ignore
      return sealCall('re-randomize', () => this.evaluator.add(masked, fresh) as CipherText);
    });
  }

  /** ct + conj(ct): twice the real part of every slot (the first linear map's weights are halved for it). */
  private realPart(ct: CipherText): CipherText {
    const conjugate = sealCall('conjugate', () => this.evaluator.complexConjugate(ct, this.keys.galoisKeys) as CipherText); // prettier-ignore
    try {
      return sealCall('real part', () => this.evaluator.add(ct, conjugate) as CipherText);
    } finally {
      conjugate.delete();
    }
  }

  /**
   * x², relinearized when the plan says so (a size-3 result must never carry a mask, see SquareOpPlan); rescaled
   * by q1 when the plan squares at the top level.
   */
  private square(ct: CipherText, relinearize: boolean, rescale: boolean): CipherText {
    const result = sealCall('square', () => this.evaluator.square(ct) as CipherText);
    try {
      if (relinearize) {
        if (!this.keys.relinKeys) throw new InvalidEvaluationKeysError('this plan needs relinearization keys');
        sealCall('relinearize', () => this.evaluator.relinearize(result, this.keys.relinKeys!, result));
      }
      if (rescale) sealCall('rescale', () => this.evaluator.rescaleToNext(result, result));
    } catch (error) {
      result.delete();
      throw error;
    }
    return result;
  }

  /** ct ± slots, the plaintext encoded at exactly ct's scale and level (a new ciphertext; ct is untouched). */
  private addSlots(ct: CipherText, slots: Float64Array, sign: 1 | -1): CipherText {
    const { encoder } = this.engine.ckks;
    const values = sign === 1 ? slots : slots.map((v) => -v);
    const plain = sealCall('encode mask', () => encoder.encode(values, ct.scale) as PlainText);
    try {
      // Two levels only: the top (fresh inputs) and one prime below it (after the rescale).
      if (ct.coeffModulusSize < this.engine.ckks.dataPrimes.length)
        sealCall('mask level', () => this.evaluator.plainModSwitchTo(plain, this.engine.ckks.lowerParmsId, plain));
      return sealCall('add mask', () => this.evaluator.addPlain(ct, plain) as CipherText);
    } finally {
      plain.delete();
    }
  }

  private rotate(ct: CipherText, featureSteps: number): CipherText {
    const slots = featureSteps * laneCount(this.engine.plan);
    return sealCall(
      `rotate ${slots}`,
      () => this.evaluator.rotateVector(ct, slots, this.keys.galoisKeys) as CipherText,
    );
  }

  /** BSGS over the non-zero extended diagonals, then the log fold; one rescale, after them or before the giant steps. */
  private linear(input: CipherText, encoded: EncodedLinear): CipherText {
    const { op, groups, rescaleEarly } = encoded;
    const ev = this.evaluator;
    const scope = new SealScope();
    try {
      // Baby steps: rot_b(x) for every b used.
      const babies = new Map<number, CipherText>([[0, input]]);
      if (op.babyRotation === 'sequential') {
        const last = op.babySteps[op.babySteps.length - 1] ?? 0;
        for (let b = 1; b <= last; b++) babies.set(b, scope.track(this.rotate(babies.get(b - 1)!, 1)));
      } else for (const b of op.babySteps) babies.set(b, scope.track(this.rotate(input, b)));
      // Inner sums u_g = Σ_b d̃_{g,b} ⊙ rot_b(x), all at scale 2^(s_in + s_w) (no rescale yet).
      const inner = new Map<number, CipherText>();
      for (const [g, terms] of groups) {
        let sum: CipherText | undefined;
        for (const [b, plain] of terms) {
          const product = sealCall('multiplyPlain', () => ev.multiplyPlain(babies.get(b)!, plain) as CipherText);
          if (!sum) sum = scope.track(product);
          else {
            sealCall('add', () => ev.add(sum!, product, sum));
            product.delete();
          }
        }
        if (sum) {
          if (rescaleEarly) sealCall('rescale', () => ev.rescaleToNext(sum!, sum!));
          inner.set(g, sum);
        }
      }
      // Giant steps: Horner with one key (rot_{n1}) or one rotation per group.
      let accumulator: CipherText | undefined;
      const giants = [...inner.keys()].sort((a, b) => b - a);
      if (op.giantRotation === 'horner') {
        for (let g = giants[0] ?? 0; g >= 0; g--) {
          if (accumulator) {
            const rotated = scope.track(this.rotate(accumulator, op.babyStep));
            accumulator = rotated;
          }
          const term = inner.get(g);
          if (term) {
            if (!accumulator) accumulator = term;
            else sealCall('add', () => ev.add(accumulator!, term, accumulator));
          }
        }
      } else {
        for (const g of giants) {
          const term = g === 0 ? inner.get(0)! : scope.track(this.rotate(inner.get(g)!, g * op.babyStep));
          if (!accumulator) accumulator = term;
          else sealCall('add', () => ev.add(accumulator!, term, accumulator));
        }
      }
      if (!accumulator) throw new Error('a linear op with no non-zero diagonal');
      // The hybrid fold: add the D/P partial sums of each row (result replicated with period P).
      for (const step of op.foldSteps) {
        const rotated = this.rotate(accumulator, step);
        sealCall('add', () => ev.add(accumulator!, rotated, accumulator));
        rotated.delete();
      }
      const result = scope.release(accumulator);
      try {
        if (op.rescale && !rescaleEarly) sealCall('rescale', () => ev.rescaleToNext(result, result));
        // The bias was encoded for exactly this scale (2^(s_in + s_w) / q1 after the rescale).
        if (encoded.bias) sealCall('add bias', () => ev.addPlain(result, encoded.bias!, result));
      } catch (error) {
        result.delete();
        throw error;
      }
      return result;
    } finally {
      scope.dispose();
    }
  }

  dispose(): void {
    this.keys.encryptor.delete();
    this.keys.publicKey.delete();
    this.keys.relinKeys?.delete();
    this.keys.galoisKeys.delete();
  }
}
