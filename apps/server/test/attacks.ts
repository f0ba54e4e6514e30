// A hostile client's toolkit: what anyone holding the secret key of its own session can do with SEAL's bytes.
// Used by hostile-client.test.ts to show which model secrets leave the server. Nothing here is used to serve.
import {
  createCkksContext,
  firstMoleculeLane,
  laneCount,
  layOutVector,
  loadSeal,
  packMolecules,
  unpackMolecule,
} from '@chemveil/core';
import type { CkksContext, ClientAffine, EvaluationPlan, SEALLibrary, VectorLayout } from '@chemveil/core';
import { FheClient } from '@chemveil/fhe-worker';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Context } from 'node-seal/implementation/context';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import type { Evaluator } from 'node-seal/implementation/evaluator';
import type { KeyGenerator } from 'node-seal/implementation/key-generator';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import type { PlainText } from 'node-seal/implementation/plain-text';

// ---- SEAL 4.1 serialization -------------------------------------------------------------------------------------

/**
 * The coefficient words of a SEAL object saved without compression: its data is a DynArray written last, so the
 * words are the final `count` little-endian u64, preceded by their count (checked, so a layout change throws).
 */
export function wordsOf(raw: Uint8Array, count: number): BigUint64Array {
  const start = raw.length - 8 * count;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (start < 8 || view.getBigUint64(start - 8, true) !== BigInt(count))
    throw new Error(`not ${count} data words at the end of a ${raw.length}-byte SEAL object`);
  const words = new BigUint64Array(count);
  for (let i = 0; i < count; i++) words[i] = view.getBigUint64(start + 8 * i, true);
  return words;
}

/** A copy of `raw` with its data words replaced. */
export function withWords(raw: Uint8Array, words: BigUint64Array): Uint8Array {
  const out = raw.slice();
  const view = new DataView(out.buffer);
  const start = out.length - 8 * words.length;
  words.forEach((w, i) => view.setBigUint64(start + 8 * i, w, true));
  return out;
}

/** The exact RNS primes of a level (60-bit primes do not survive Number()). */
export function levelPrimes(context: Context, parmsId: ParmsIdType): bigint[] {
  return Array.from(context.getContextData(parmsId).parms.coeffModulus, (q) => BigInt(q));
}

/** A ciphertext's words: polynomial p, prime j, NTT coefficient k at (p·L + j)·N + k. */
export interface RawCiphertext {
  raw: Uint8Array;
  size: number;
  n: number;
  primes: bigint[];
  words: BigUint64Array;
}

export function rawCiphertext(seal: SEALLibrary, context: Context, ct: CipherText): RawCiphertext {
  const raw = ct.saveArray(seal.ComprModeType.none);
  const primes = levelPrimes(context, ct.parmsId);
  if (primes.length !== ct.coeffModulusSize) throw new Error('level primes and ciphertext disagree');
  const [size, n] = [ct.size, ct.polyModulusDegree];
  return { raw, size, n, primes, words: wordsOf(raw, size * n * primes.length) };
}

export const wordIndex = (c: RawCiphertext, poly: number, prime: number, k: number): number =>
  (poly * c.primes.length + prime) * c.n + k;

/** Polynomial p's words (all primes). */
export const polyWords = (c: RawCiphertext, poly: number): BigUint64Array =>
  c.words.subarray(wordIndex(c, poly, 0, 0), wordIndex(c, poly + 1, 0, 0));

// ---- modular arithmetic per RNS prime --------------------------------------------------------------------------

export function modPow(base: bigint, exponent: bigint, q: bigint): bigint {
  let result = 1n;
  let b = base % q;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % q;
    b = (b * b) % q;
  }
  return result;
}

/** Every value's inverse mod q with one exponentiation (Montgomery's batch trick). */
export function modInverseAll(values: bigint[], q: bigint): bigint[] {
  const prefix = new Array<bigint>(values.length);
  let running = 1n;
  values.forEach((v, i) => {
    if (v % q === 0n) throw new RangeError('no inverse of 0');
    prefix[i] = running;
    running = (running * v) % q;
  });
  let inverse = modPow(running, q - 2n, q);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = (inverse * prefix[i]!) % q;
    inverse = (inverse * values[i]!) % q;
  }
  return out;
}

/**
 * The first component of an unrelinearized square without whatever was added to it: (c0², 2·c0·c1, c1²) is public
 * algebra, c0² = (2·c0·c1)² / (4·c1²) per prime and NTT coefficient. A size-2 ciphertext has nothing to strip.
 */
export function stripSquareMask(c: RawCiphertext): BigUint64Array {
  const out = c.words.slice();
  if (c.size !== 3) return out;
  c.primes.forEach((q, j) => {
    const inverses = modInverseAll(
      Array.from({ length: c.n }, (_, k) => (4n * c.words[wordIndex(c, 2, j, k)]!) % q),
      q,
    );
    for (let k = 0; k < c.n; k++) {
      const d1 = c.words[wordIndex(c, 1, j, k)]!;
      out[wordIndex(c, 0, j, k)] = (((d1 * d1) % q) * inverses[k]!) % q;
    }
  });
  return out;
}

/** SEAL's NTT root: the smallest primitive 2N-th root of unity mod q. */
export function minimalPrimitiveRoot(q: bigint, n: number): bigint {
  const twoN = BigInt(2 * n);
  for (let g = 2n; ; g++) {
    const x = modPow(g, (q - 1n) / twoN, q);
    if (modPow(x, BigInt(n), q) !== q - 1n) continue; // x has order 2N exactly
    const x2 = (x * x) % q;
    let [least, power] = [x, x];
    for (let k = 1; k < n; k++) {
      power = (power * x2) % q; // x^(2k+1): every primitive 2N-th root
      if (power < least) least = power;
    }
    return least;
  }
}

// ---- the hostile client -----------------------------------------------------------------------------------------

function applyAffine(vector: ArrayLike<number>, affine?: ClientAffine): Float64Array {
  const v = Float64Array.from(vector);
  return affine ? v.map((x, i) => affine.scale[i]! * x + affine.shift[i]!) : v;
}

/**
 * A client that follows the protocol only where it must. Its key set is the real FheClient's (so the session it
 * opens carries exactly what an honest client uploads, whatever that key set holds), but it keeps the key
 * generator FheClient asked SEAL for: the secret key is the attacker's own, and with it it encrypts, decrypts and
 * edits ciphertexts word by word with node-seal directly.
 */
export class HostileClient {
  readonly ckks: CkksContext;
  readonly encryptor: Encryptor;
  readonly decryptor: Decryptor;
  readonly evaluator: Evaluator;
  readonly lanes: number;
  readonly firstLane: number;
  /** ι = ψ^(N/2) per prime: X^(N/2) in NTT form (cached; the root search is N multiplications). */
  private readonly iota = new Map<bigint, bigint>();

  private constructor(
    readonly seal: SEALLibrary,
    readonly plan: EvaluationPlan,
    readonly fhe: FheClient,
    keyGenerator: KeyGenerator,
  ) {
    this.ckks = createCkksContext(seal, plan.parameters);
    const secretKey = keyGenerator.secretKey();
    const publicKey = keyGenerator.createPublicKey();
    try {
      this.encryptor = seal.Encryptor(this.ckks.context, publicKey, secretKey);
      this.decryptor = seal.Decryptor(this.ckks.context, secretKey);
    } finally {
      secretKey.delete();
      publicKey.delete();
    }
    this.evaluator = seal.Evaluator(this.ckks.context);
    this.lanes = laneCount(plan);
    this.firstLane = firstMoleculeLane(plan);
  }

  static async create(plan: EvaluationPlan): Promise<HostileClient> {
    const seal = await loadSeal(); // the realm's one SEAL instance: FheClient.create gets the same object
    const original = seal.KeyGenerator;
    const writable = seal as { KeyGenerator: SEALLibrary['KeyGenerator'] };
    let keyGenerator: KeyGenerator | undefined;
    writable.KeyGenerator = (...args) => (keyGenerator = original(...args));
    let fhe: FheClient;
    try {
      fhe = await FheClient.create(plan);
    } finally {
      writable.KeyGenerator = original;
    }
    if (!keyGenerator) throw new Error('FheClient made no SEAL KeyGenerator: no secret key to attack with');
    return new HostileClient(seal, plan, fhe, keyGenerator);
  }

  /** Whatever the honest client uploads to open a session. */
  evaluationKeys() {
    return this.fhe.evaluationKeys();
  }

  /** Partition k's input slots for B molecules per ciphertext (the client affine applied, as FheClient does). */
  inputSlots(partition: number, vectors: ArrayLike<number>[]): Float64Array[] {
    const input = this.plan.partitions[partition]!.input;
    const B = this.plan.moleculesPerCiphertext;
    const out: Float64Array[] = [];
    for (let first = 0; first < vectors.length; first += B) {
      const periods = vectors.slice(first, first + B).map((v) => layOutVector(input.layout, applyAffine(v, input.clientAffine))); // prettier-ignore
      out.push(packMolecules(periods, this.lanes, this.plan.slotCount, this.firstLane));
    }
    return out;
  }

  encryptSlots(slots: Float64Array, scale: number): CipherText {
    const plain = this.ckks.encoder.encode(slots, scale) as PlainText;
    try {
      return this.encryptor.encryptSymmetric(plain) as CipherText;
    } finally {
      plain.delete();
    }
  }

  /**
   * Partition k's inputs as x + i·y: Enc(x) + Enc(y)·X^(N/2). Without `imaginary`, honest fresh ciphertexts.
   * The imaginary part is laid out with no client affine (its shift would land on the real part only).
   */
  encrypt(partition: number, real: ArrayLike<number>[], imaginary?: ArrayLike<number>[]): Uint8Array[] {
    const input = this.plan.partitions[partition]!.input;
    const scale = 2 ** input.scaleBits;
    const reals = this.inputSlots(partition, real);
    const B = this.plan.moleculesPerCiphertext;
    return reals.map((slots, group) => {
      const ct = this.encryptSlots(slots, scale);
      try {
        if (imaginary) {
          const periods = imaginary.slice(group * B, (group + 1) * B).map((v) => layOutVector(input.layout, v));
          const y = this.encryptSlots(packMolecules(periods, this.lanes, this.plan.slotCount, this.firstLane), scale); // prettier-ignore
          try {
            this.timesI(y);
            this.evaluator.add(ct, y, ct);
          } finally {
            y.delete();
          }
        }
        return this.save(ct);
      } finally {
        ct.delete();
      }
    });
  }

  load(bytes: Uint8Array): CipherText {
    const ct = this.seal.CipherText();
    ct.loadArray(this.ckks.context, bytes);
    return ct;
  }

  save(ct: CipherText): Uint8Array {
    return ct.saveArray(this.seal.ComprModeType.none);
  }

  raw(bytes: Uint8Array): RawCiphertext {
    const ct = this.load(bytes);
    try {
      return rawCiphertext(this.seal, this.ckks.context, ct);
    } finally {
      ct.delete();
    }
  }

  /** A ciphertext from its uncompressed bytes with the data words replaced. */
  fromWords(c: RawCiphertext, words: BigUint64Array): CipherText {
    const ct = this.seal.CipherText();
    ct.loadArray(this.ckks.context, withWords(c.raw, words));
    return ct;
  }

  /** Real parts of every slot (node-seal's decode returns no imaginary parts). */
  decryptSlots(ct: CipherText): Float64Array {
    const plain = this.decryptor.decrypt(ct) as PlainText;
    try {
      return Float64Array.from(this.ckks.encoder.decode(plain));
    } finally {
      plain.delete();
    }
  }

  /** Imaginary parts of every slot: the real part of −i·(a + ib) is b. */
  imaginarySlots(ct: CipherText): Float64Array {
    const copy = ct.clone();
    try {
      this.timesI(copy);
      this.evaluator.negate(copy, copy);
      return this.decryptSlots(copy);
    } finally {
      copy.delete();
    }
  }

  /** Per molecule, the logical vector of `layout` from decoded slots. */
  unpack(slots: ArrayLike<number>, layout: VectorLayout, molecules: number): Float64Array[] {
    return Array.from({ length: molecules }, (_, m) => unpackMolecule(slots, layout, this.lanes, m, this.firstLane));
  }

  /** Multiplies every slot by ±i in place (the same sign every time): ct · X^(N/2) at ct's level. */
  timesI(ct: CipherText): void {
    const plain = this.imaginaryUnit(ct.parmsId);
    try {
      this.evaluator.multiplyPlain(ct, plain, ct);
    } finally {
      plain.delete();
    }
  }

  /**
   * The plaintext X^(N/2) (scale 1) at a level, built word by word: in SEAL's NTT order its values are ι = ψ^(N/2)
   * at indices k < N/2 and −ι above, ψ the minimal primitive 2N-th root. X^(N/2) squared is X^N = −1.
   */
  imaginaryUnit(parmsId: ParmsIdType): PlainText {
    const { encoder, context, slotCount } = this.ckks;
    const n = this.plan.parameters.polyModulusDegree;
    const plain = encoder.encode(new Float64Array(slotCount), 1) as PlainText;
    try {
      this.evaluator.plainModSwitchTo(plain, parmsId, plain);
      const primes = levelPrimes(context, parmsId);
      const raw = plain.saveArray(this.seal.ComprModeType.none);
      const words = wordsOf(raw, n * primes.length);
      primes.forEach((q, j) => {
        if (!this.iota.has(q)) this.iota.set(q, modPow(minimalPrimitiveRoot(q, n), BigInt(n / 2), q));
        const iota = this.iota.get(q)!;
        for (let k = 0; k < n; k++) words[j * n + k] = k < n / 2 ? iota : q - iota;
      });
      plain.loadArray(context, withWords(raw, words));
      return plain;
    } catch (error) {
      plain.delete();
      throw error;
    }
  }

  dispose(): void {
    this.encryptor.delete();
    this.decryptor.delete();
    this.evaluator.delete();
    this.ckks.delete();
    this.fhe.dispose();
  }
}

/** How much of `truth` an attack recovered within `tolerance`: the count, the worst error, the values' scale. */
export function recovery(recovered: ArrayLike<number>[], truth: ArrayLike<number>[], tolerance: number) {
  let [within, total, maxError, scale] = [0, 0, 0, 0];
  truth.forEach((t, m) => {
    for (let i = 0; i < t.length; i++) {
      const error = Math.abs(recovered[m]![i]! - t[i]!);
      if (error <= tolerance) within++;
      total++;
      maxError = Math.max(maxError, error);
      scale = Math.max(scale, Math.abs(t[i]!));
    }
  });
  return { within, total, maxError, scale, fraction: within / total };
}
