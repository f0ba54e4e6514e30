import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder';
import type { Context } from 'node-seal/implementation/context';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import { assertTc128 } from '../plan/parameters.ts';
import type { CkksParameters } from '../plan/types.ts';
import { sealCall } from './errors.ts';
import type { SEALLibrary } from './seal.ts';

/** A SEAL context for one parameter set, plus what every party derives from it. */
export interface CkksContext {
  seal: SEALLibrary;
  context: Context;
  encoder: CKKSEncoder;
  /** Top data level (q0·q1): fresh inputs and weights live here. */
  topParmsId: ParmsIdType;
  /** After the one rescale (q0 alone). */
  lowerParmsId: ParmsIdType;
  /** The data primes' values, q0 first (q1 is what the rescale divides by). */
  dataPrimes: number[];
  /** The same primes exactly (60-bit primes do not fit a double), for code that works on SEAL's words. */
  primes: bigint[];
  slotCount: number;
  delete(): void;
}

export function createCkksContext(seal: SEALLibrary, parameters: CkksParameters): CkksContext {
  assertTc128(parameters);
  return sealCall('create CKKS context', () => {
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    const modulus = seal.CoeffModulus.Create(parameters.polyModulusDegree, Int32Array.from(parameters.coeffModulusBits)); // prettier-ignore
    try {
      parms.setPolyModulusDegree(parameters.polyModulusDegree);
      parms.setCoeffModulus(modulus);
      const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
      if (!context.parametersSet()) {
        context.delete();
        throw new Error('SEAL rejected the encryption parameters');
      }
      const encoder = seal.CKKSEncoder(context);
      const top = context.firstContextData;
      const lower = top.nextContextData;
      const exact = Array.from(top.parms.coeffModulus as ArrayLike<bigint | number>, (q) => BigInt(q));
      const primes = exact.map(Number);
      const result: CkksContext = {
        seal,
        context,
        encoder,
        topParmsId: top.parmsId,
        lowerParmsId: lower.parmsId,
        dataPrimes: primes,
        primes: exact,
        slotCount: encoder.slotCount,
        delete() {
          encoder.delete();
          context.delete();
        },
      };
      return result;
    } finally {
      modulus.delete();
      parms.delete();
    }
  });
}

/**
 * Galois element of a left rotation by `step` slots: 3^step mod 2N (what GaloisKeys.hasKey expects). Step 0 is
 * SEAL's complex conjugation, 2N − 1 (what `createGaloisKeys` makes for a 0 in its steps).
 */
export function galoisElementForStep(step: number, polyModulusDegree: number): number {
  if (step === 0) return 2 * polyModulusDegree - 1;
  const m = BigInt(2 * polyModulusDegree);
  let result = 1n;
  let base = 3n;
  let e = BigInt(step);
  while (e > 0n) {
    if (e & 1n) result = (result * base) % m;
    base = (base * base) % m;
    e >>= 1n;
  }
  return Number(result);
}
