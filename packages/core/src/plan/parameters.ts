import type { CkksParameters } from './types.ts';

/** Largest total coefficient modulus (bits, special prime included) for 128-bit security, SEAL's tc128 table. */
export const TC128_MAX_MODULUS_BITS: Readonly<Record<number, number>> = {
  1024: 27,
  2048: 54,
  4096: 109,
  8192: 218,
  16384: 438,
  32768: 881,
};

export class InsecureParametersError extends Error {
  override name = 'InsecureParametersError';
  readonly code = 'INSECURE_PARAMETERS';
}

/** Refuses anything that is not a 128-bit secure CKKS set SEAL can build. */
export function assertTc128(parameters: CkksParameters): void {
  const { polyModulusDegree: n, coeffModulusBits: bits } = parameters;
  const limit = TC128_MAX_MODULUS_BITS[n];
  if (parameters.securityLevel !== 'tc128') throw new InsecureParametersError('only tc128 parameter sets are allowed');
  if (limit === undefined) throw new InsecureParametersError(`poly modulus degree ${n} is not a tc128 size`);
  if (bits.length < 2 || bits.some((b) => !Number.isInteger(b) || b < 20 || b > 60))
    throw new InsecureParametersError('coefficient primes must be 20..60 bits, at least two');
  const total = bits.reduce((a, b) => a + b, 0);
  if (total > limit)
    throw new InsecureParametersError(`${total} modulus bits exceed the tc128 limit ${limit} for N=${n}`);
}

/**
 * Candidate chains, each [q0, q1, P] (or [q0, q0', q1, P], q0·q0' acting as one q0). Two data primes: every
 * partition is one linear map (rescaled once, after its
 * rotations) and an optional square that is returned unrescaled; the client refreshes in between. Few primes make
 * each key switch cheap (cost ∝ k·(k+1) NTTs for k data primes) and each Galois key small.
 * P = q0 = 60 bits keeps key-switching noise near 2^18; q1 is the input scale.
 */
export const PARAMETER_CANDIDATES: readonly CkksParameters[] = [
  { polyModulusDegree: 4096, coeffModulusBits: [40, 29, 40], securityLevel: 'tc128' },
  { polyModulusDegree: 8192, coeffModulusBits: [60, 30, 60], securityLevel: 'tc128' },
  { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 60], securityLevel: 'tc128' },
  // Equal data primes: squares happen before the rescale, which leaves room for the blinded refresh's masks.
  { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], securityLevel: 'tc128' },
  { polyModulusDegree: 16384, coeffModulusBits: [60, 40, 60], securityLevel: 'tc128' },
  // Three data primes, still one rescale (by the last, 40 bits): the square then has q0·q1 = 120 bits instead of
  // 60, about 20 more scale bits for a masked activation, for ~2× the key-switching work and larger keys. Chosen
  // only when no two-prime chain holds the mask.
  { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 40, 58], securityLevel: 'tc128' },
];

/** Bits left after a partition's one rescale (every data prime but the last): what a square must fit under. */
export const remainingBits = (parameters: CkksParameters): number =>
  parameters.coeffModulusBits.slice(0, -2).reduce((a, b) => a + b, 0);

/** Bits of the prime a partition rescales by (the last data prime). */
export const rescaleBits = (parameters: CkksParameters): number => parameters.coeffModulusBits.at(-2)!;

/**
 * Cost model calibrated on this machine (node-seal 6 WASM, N=8192, [60,40,60]): rotation 3.5 ms, multiplyPlain
 * 0.42 ms, rescale 0.9 ms. Key switching scales with N·log N·k·(k+1); plaintext products with N·k.
 */
export function primitiveCostMs(parameters: CkksParameters) {
  const n = parameters.polyModulusDegree;
  const k = parameters.coeffModulusBits.length - 1;
  const nttWork = (n * Math.log2(n)) / (8192 * 13);
  return {
    rotate: 3.5 * nttWork * ((k * (k + 1)) / 6),
    multiplyPlain: 0.42 * (n / 8192) * (k / 2),
    rescale: 0.9 * nttWork * (k / 2),
    square: 0.6 * (n / 8192) * (k / 2),
  };
}

/** Bytes of one seeded, zstd-compressed key-switching key (measured: 308 KB at N=8192, [50,30,50]). */
/** A seeded public key: its first polynomial over every prime (the second is the seed), 8 bytes a coefficient. */
export function publicKeyBytes(parameters: CkksParameters): number {
  const bits = parameters.coeffModulusBits;
  const averageBits = bits.reduce((a, b) => a + b, 0) / bits.length;
  return Math.round(parameters.polyModulusDegree * bits.length * 8 * ((averageBits + 8) / 64));
}

export function keySwitchKeyBytes(parameters: CkksParameters): number {
  const bits = parameters.coeffModulusBits;
  const k = bits.length - 1;
  const averageBits = bits.reduce((a, b) => a + b, 0) / bits.length;
  // Seeded keys store one polynomial per decomposition component (k) over all k + 1 primes, 8 bytes a coefficient.
  return Math.round(parameters.polyModulusDegree * k * (k + 1) * 8 * ((averageBits + 8) / 64));
}
