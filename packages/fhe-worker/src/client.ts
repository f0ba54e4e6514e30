import {
  createCkksContext,
  layOutVector,
  loadSeal,
  firstMoleculeLane,
  laneCount,
  packMolecules,
  runPartitions,
  sealCall,
  unpackMolecule,
  InvalidCiphertextError,
  sealErrorMessage,
  sealBlobProblem,
} from '@chemveil/core';
import type {
  CkksContext,
  ClientAffine,
  EvaluationPlan,
  SealLoader,
  SessionKeyBytes,
  VectorLayout,
} from '@chemveil/core';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import type { KeyGenerator } from 'node-seal/implementation/key-generator';
import type { PlainText } from 'node-seal/implementation/plain-text';
import type { PublicKey } from 'node-seal/implementation/public-key';

/** Serialized, seeded, zstd-compressed keys the server needs; never the secret key. */
export type EvaluationKeys = SessionKeyBytes;

/** The most bytes an uncompressed size-2 result can take (top level, every data prime; header slack included). */
const maxResultBytes = (plan: EvaluationPlan): number => 2 * (plan.parameters.coeffModulusBits.length - 1) * plan.parameters.polyModulusDegree * 8 + 256; // prettier-ignore

/** Sends partition k's ciphertexts to whoever evaluates them and resolves with the results. */
export type PartitionTransport = (partition: number, ciphertexts: Uint8Array[]) => Promise<Uint8Array[]>;

export interface FheClientOptions {
  loader?: SealLoader;
}

export interface ClientTimings {
  keygenMs: number;
  encryptMs: number;
  decryptMs: number;
}

const toHex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

function applyAffine(vector: Float64Array, affine?: ClientAffine): Float64Array {
  return affine ? vector.map((v, i) => affine.scale[i]! * v + affine.shift[i]!) : vector;
}

/**
 * The client side of a session: keys, encryption, refreshes between partitions, decryption. The secret key lives
 * in this object's private fields and no method returns it (or anything derived from it other than the
 * predictions and the refreshed, re-encrypted vectors the plan asks for). Same code in Node and in a Web Worker.
 */
export class FheClient {
  readonly #ckks: CkksContext;
  readonly #keyGenerator: KeyGenerator;
  readonly #publicKey: PublicKey;
  readonly #encryptor: Encryptor;
  readonly #decryptor: Decryptor;
  #evaluationKeys?: EvaluationKeys;
  #publicKeyBytes?: Uint8Array;
  #disposed = false;
  readonly timings: ClientTimings = { keygenMs: 0, encryptMs: 0, decryptMs: 0 };

  private constructor(
    readonly plan: EvaluationPlan,
    ckks: CkksContext,
  ) {
    const started = performance.now();
    const seal = ckks.seal;
    this.#ckks = ckks;
    this.#keyGenerator = seal.KeyGenerator(ckks.context);
    this.#publicKey = this.#keyGenerator.createPublicKey();
    const secretKey = this.#keyGenerator.secretKey();
    try {
      this.#encryptor = seal.Encryptor(ckks.context, this.#publicKey, secretKey);
      this.#decryptor = seal.Decryptor(ckks.context, secretKey);
    } finally {
      secretKey.delete(); // the key generator keeps its own copy; this handle is not needed again
    }
    this.timings.keygenMs += performance.now() - started;
  }

  static async create(plan: EvaluationPlan, options: FheClientOptions = {}): Promise<FheClient> {
    const seal = await loadSeal(options.loader);
    return new FheClient(plan, createCkksContext(seal, plan.parameters));
  }

  /**
   * What the server needs, all public: seeded Galois keys for exactly the plan's steps (half the bytes of full
   * keys; step 0 is complex conjugation), relinearization keys when the plan squares, and the public key the
   * server re-randomizes results with. zstd-compressed by SEAL.
   */
  evaluationKeys(): EvaluationKeys {
    this.assertAlive();
    if (!this.#evaluationKeys) {
      const started = performance.now();
      const zstd = this.#ckks.seal.ComprModeType.zstd;
      const galois = sealCall('create Galois keys', () =>
        this.#keyGenerator.createGaloisKeysSerializable(Int32Array.from(this.plan.galoisSteps)),
      );
      let galoisKeys: Uint8Array;
      try {
        galoisKeys = galois.saveArray(zstd);
      } finally {
        galois.delete();
      }
      let relinKeys: Uint8Array | undefined;
      if (this.plan.relinearizationKeys) {
        const relin = sealCall('create relinearization keys', () => this.#keyGenerator.createRelinKeysSerializable());
        try {
          relinKeys = relin.saveArray(zstd);
        } finally {
          relin.delete();
        }
      }
      this.#evaluationKeys = { galoisKeys, ...(relinKeys ? { relinKeys } : {}), publicKey: this.publicKeyBytes() };
      this.timings.keygenMs += performance.now() - started;
    }
    return this.#evaluationKeys;
  }

  /** Seeded public key bytes (what the fingerprint hashes). */
  publicKeyBytes(): Uint8Array {
    this.assertAlive();
    if (!this.#publicKeyBytes) {
      const serializable = this.#keyGenerator.createPublicKeySerializable();
      try {
        this.#publicKeyBytes = serializable.saveArray(this.#ckks.seal.ComprModeType.zstd);
      } finally {
        serializable.delete();
      }
    }
    return this.#publicKeyBytes;
  }

  /** SHA-256 of the public key bytes, hex: shown in the UI so a user can tell sessions apart. */
  async keyFingerprint(): Promise<string> {
    return toHex(await crypto.subtle.digest('SHA-256', this.publicKeyBytes() as Uint8Array<ArrayBuffer>));
  }

  /** Encrypts molecules' feature vectors for partition 0: B per ciphertext, interleaved. */
  encryptFeatures(features: ArrayLike<number>[]): Uint8Array[] {
    const partition = this.plan.partitions[0]!;
    return this.encryptVectors(0, features.map((f) => applyAffine(Float64Array.from(f), partition.input.clientAffine))); // prettier-ignore
  }

  /** Decrypts partition k's results and re-encrypts them, re-laid out, as fresh inputs for partition k + 1. */
  refresh(partition: number, results: Uint8Array[], molecules: number): Uint8Array[] {
    const next = this.plan.partitions[partition + 1];
    if (!next) throw new RangeError(`partition ${partition} is the last one`);
    const vectors = this.decryptVectors(partition, results, this.plan.partitions[partition]!.output.layout, molecules);
    return this.encryptVectors(
      partition + 1,
      vectors.map((v) => applyAffine(v, next.input.clientAffine)),
    );
  }

  /**
   * What this client sees when it decrypts partition k's results: per molecule, the logical vector of the output
   * layout. For an intermediate partition of a blinded plan that is z + r (the server's mask), not the hidden
   * activation z. For tests and for showing what the client learns; `refresh` uses the same decryption.
   */
  decryptPartition(partition: number, results: Uint8Array[], molecules: number): Float64Array[] {
    const plan = this.plan.partitions[partition];
    if (!plan) throw new RangeError(`no partition ${partition}`);
    return this.decryptVectors(partition, results, plan.output.layout, molecules);
  }

  /** Raw network outputs per molecule from the last partition's results. */
  decryptOutputs(results: Uint8Array[], molecules: number): Float64Array[] {
    const vectors = this.decryptVectors(this.plan.partitions.length - 1, results, this.plan.output.layout, molecules);
    return vectors.map((v) => applyAffine(v, this.plan.output.clientAffine));
  }

  /** Drives every partition through `transport` (`runPartitions`, as over HTTP); raw outputs per molecule. */
  async infer(features: ArrayLike<number>[], transport: PartitionTransport): Promise<Float64Array[]> {
    return runPartitions(this, this.plan.partitions.length, this.encryptFeatures(features), features.length, transport); // prettier-ignore
  }

  private encryptVectors(partitionIndex: number, vectors: Float64Array[]): Uint8Array[] {
    this.assertAlive();
    const started = performance.now();
    const partition = this.plan.partitions[partitionIndex]!;
    const lanes = this.plan.moleculesPerCiphertext;
    const [physicalLanes, firstLane] = [laneCount(this.plan), firstMoleculeLane(this.plan)];
    const { encoder, seal } = this.#ckks;
    const out: Uint8Array[] = [];
    for (let first = 0; first < vectors.length; first += lanes) {
      const periods = vectors.slice(first, first + lanes).map((v) => layOutVector(partition.input.layout, v));
      const slots = packMolecules(periods, physicalLanes, this.plan.slotCount, firstLane);
      const plain = sealCall('encode input', () => encoder.encode(slots, 2 ** partition.input.scaleBits) as PlainText); // prettier-ignore
      try {
        // Symmetric and seeded: the upload carries one polynomial plus a seed, half a public-key ciphertext.
        // Uncompressed (zstd saves ~6% here): the server refuses compressed ciphertexts, so nothing inflates.
        const serializable = sealCall('encrypt', () => this.#encryptor.encryptSymmetricSerializable(plain));
        try {
          out.push(serializable.saveArray(seal.ComprModeType.none));
        } finally {
          serializable.delete();
        }
      } finally {
        plain.delete();
      }
    }
    this.timings.encryptMs += performance.now() - started;
    return out;
  }

  private decryptVectors(
    partition: number,
    results: Uint8Array[],
    layout: VectorLayout,
    molecules: number,
  ): Float64Array[] {
    this.assertAlive();
    const started = performance.now();
    const lanes = this.plan.moleculesPerCiphertext;
    const [physicalLanes, firstLane] = [laneCount(this.plan), firstMoleculeLane(this.plan)];
    if (results.length !== Math.ceil(molecules / lanes))
      throw new InvalidCiphertextError(`${results.length} results for ${molecules} molecules (B=${lanes})`);
    const { seal, encoder } = this.#ckks;
    const vectors: Float64Array[] = [];
    results.forEach((bytes, group) => {
      const ct = seal.CipherText();
      let plain: PlainText | undefined;
      try {
        this.loadResult(ct, partition, bytes);
        plain = sealCall('decrypt', () => this.#decryptor.decrypt(ct) as PlainText);
        const slots = encoder.decode(plain);
        for (let m = 0; m < lanes && group * lanes + m < molecules; m++) vectors.push(unpackMolecule(slots, layout, physicalLanes, m, firstLane)); // prettier-ignore
      } finally {
        plain?.delete();
        ct.delete();
      }
    });
    this.timings.decryptMs += performance.now() - started;
    return vectors;
  }

  /**
   * Loads one result and checks it is what the public plan says partition k returns, before decrypting: a hostile
   * server must not make this client decrypt (and act on) something else. Results are uncompressed, so their
   * exact size is known before SEAL reads a byte and nothing inflates.
   */
  private loadResult(ct: CipherText, partition: number, bytes: Uint8Array): void {
    const problem = sealBlobProblem(bytes);
    if (problem) throw new InvalidCiphertextError(`result: ${problem}`);
    if (bytes[5] !== 0) throw new InvalidCiphertextError('result is compressed; results must be sent uncompressed');
    if (bytes.length > maxResultBytes(this.plan)) throw new InvalidCiphertextError(`result of ${bytes.length} bytes is larger than any ciphertext of these parameters`); // prettier-ignore
    try {
      ct.loadArray(this.#ckks.context, bytes);
    } catch (error) {
      throw new InvalidCiphertextError(`result does not load: ${sealErrorMessage(error)}`);
    }
    const plan = this.plan.partitions[partition]!;
    const primes = this.#ckks.dataPrimes.length - plan.ops.filter((op) => op.rescale).length;
    const scaleBits = Math.log2(ct.scale);
    if (
      ct.size !== plan.output.ciphertextSize ||
      ct.coeffModulusSize !== primes ||
      Math.abs(scaleBits - plan.output.scaleBits) > 0.05
    )
      throw new InvalidCiphertextError(
        `partition ${partition} returns size-${plan.output.ciphertextSize} ciphertexts at ${primes} primes and scale 2^${plan.output.scaleBits}; ` +
          `got size ${ct.size}, ${ct.coeffModulusSize} primes, scale 2^${scaleBits.toFixed(2)}`,
      );
  }

  private assertAlive(): void {
    if (this.#disposed) throw new Error('FheClient was disposed');
  }

  /** Frees every SEAL object, the secret key included. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#decryptor.delete();
    this.#encryptor.delete();
    this.#publicKey.delete();
    this.#keyGenerator.delete();
    this.#ckks.delete();
  }
}
