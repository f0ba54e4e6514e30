import type { PlainText } from 'node-seal/implementation/plain-text';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import type { CkksContext } from './context.ts';
import { sealCall } from './errors.ts';

/**
 * The plaintext of the monomial X^(N/2) at one level, in SEAL's NTT form. Multiplying a CKKS ciphertext by it
 * multiplies every slot by i (slot j is the polynomial at ζ^(5^j), and ζ^(N/2·5^j) = i because 5^j ≡ 1 mod 4) —
 * exactly, with no noise growth and no scale change (its scale is 1). node-seal encodes real vectors only, so
 * this is how the server puts fresh randomness into the imaginary half of every slot.
 *
 * In SEAL's NTT form, index k of prime q holds the polynomial at ψ^(2·rev(k) + 1), ψ the smallest primitive 2N-th
 * root of unity mod q (SEAL's `try_minimal_primitive_root`); for X^(N/2) that is ι = ψ^(N/2) for k < N/2 and −ι
 * after (the parity of rev(k) is k's top bit). Checked against SEAL in packages/core/test/imaginary-unit.test.ts.
 */
export function imaginaryUnitPlain(ckks: CkksContext, parmsId: ParmsIdType, primes: readonly bigint[]): PlainText {
  const { seal, encoder } = ckks;
  const n = 2 * ckks.slotCount;
  const plain = sealCall('encode zero', () => encoder.encode(new Float64Array(ckks.slotCount), 1) as PlainText);
  try {
    const evaluator = seal.Evaluator(ckks.context);
    try {
      if (primes.length < ckks.primes.length) sealCall('unit level', () => evaluator.plainModSwitchTo(plain, parmsId, plain)); // prettier-ignore
    } finally {
      evaluator.delete();
    }
    const bytes = plain.saveArray(seal.ComprModeType.none);
    // The coefficient words are the object's last N·L u64 words, prime by prime.
    const offset = bytes.length - n * primes.length * 8;
    if (offset < 0) throw new Error('unexpected plaintext serialization');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    primes.forEach((q, p) => {
      const iota = modPow(minimalPrimitiveRoot(q, BigInt(2 * n)), BigInt(n / 2), q);
      for (let k = 0; k < n; k++) view.setBigUint64(offset + 8 * (p * n + k), k < n / 2 ? iota : q - iota, true);
    });
    sealCall('load unit', () => plain.loadArray(ckks.context, bytes));
    return plain;
  } catch (error) {
    plain.delete();
    throw error;
  }
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
  }
  return result;
}

/** The smallest primitive `order`-th root of unity mod the prime q (order a power of two dividing q − 1). */
export function minimalPrimitiveRoot(q: bigint, order: bigint): bigint {
  let g = 2n;
  while (modPow(modPow(g, (q - 1n) / order, q), order / 2n, q) !== q - 1n) g++; // g^((q−1)/order) has order `order`
  const root = modPow(g, (q - 1n) / order, q);
  // Every primitive root is an odd power of this one.
  const square = (root * root) % q;
  let smallest = root;
  for (let power = root, k = 1n; k < order / 2n; k++) {
    power = (power * square) % q;
    if (power < smallest) smallest = power;
  }
  return smallest;
}
