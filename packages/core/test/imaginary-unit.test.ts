import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { describe, expect, it } from 'vitest';
import { createCkksContext, imaginaryUnitPlain, loadSeal, minimalPrimitiveRoot } from '../src/index.ts';

// The server's only way to put fresh randomness into the imaginary half of a slot: X^(N/2) built word by word in
// SEAL's NTT layout. A wrong root, order or sign would make a different polynomial, whose decode is garbage.
describe('imaginaryUnitPlain', () => {
  it('finds the minimal primitive root of unity', () => {
    // mod 17 the primitive 8th roots are 2, 8, 9, 15; the smallest is 2.
    expect(minimalPrimitiveRoot(17n, 8n)).toBe(2n);
  });

  it('multiplies every slot by i at both levels, exactly', async () => {
    const seal = await loadSeal();
    const ckks = createCkksContext(seal, { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 40, 58], securityLevel: 'tc128' }); // prettier-ignore
    const keys = seal.KeyGenerator(ckks.context);
    const [pk, sk] = [keys.createPublicKey(), keys.secretKey()];
    const encryptor = seal.Encryptor(ckks.context, pk, sk);
    const decryptor = seal.Decryptor(ckks.context, sk);
    const evaluator = seal.Evaluator(ckks.context);
    const v = Float64Array.from({ length: ckks.slotCount }, (_, i) => Math.sin(i));
    const w = Float64Array.from({ length: ckks.slotCount }, (_, i) => 100 * Math.cos(3 * i));
    const decode = (ct: CipherText) => ckks.encoder.decode(decryptor.decrypt(ct) as PlainText) as Float64Array;
    const worst = (a: Float64Array, f: (i: number) => number) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - f(i))), 0); // prettier-ignore
    try {
      for (const [parmsId, primes] of [
        [ckks.topParmsId, ckks.primes],
        [ckks.lowerParmsId, ckks.primes.slice(0, -1)],
      ] as const) {
        const unit = imaginaryUnitPlain(ckks, parmsId, primes);
        const plain = ckks.encoder.encode(v, 2 ** 40) as PlainText;
        evaluator.plainModSwitchTo(plain, parmsId, plain);
        const ct = encryptor.encrypt(plain) as CipherText;
        const once = evaluator.multiplyPlain(ct, unit) as CipherText;
        expect(worst(decode(once), () => 0)).toBeLessThan(1e-6); // Re(i·v) = 0
        const twice = evaluator.multiplyPlain(once, unit) as CipherText;
        expect(worst(decode(twice), (i) => -v[i]!)).toBeLessThan(1e-6); // i² = −1
        // (−i·ct + w)·i = ct + i·w: the real half is untouched by any imaginary value.
        const wPlain = ckks.encoder.encode(w, 2 ** 40) as PlainText;
        evaluator.plainModSwitchTo(wPlain, parmsId, wPlain);
        evaluator.negate(once, once);
        evaluator.addPlain(once, wPlain, once);
        evaluator.multiplyPlain(once, unit, once);
        expect(worst(decode(once), (i) => v[i]!)).toBeLessThan(1e-6);
        for (const o of [unit, plain, ct, once, twice, wPlain]) o.delete();
      }
    } finally {
      for (const o of [evaluator, decryptor, encryptor, pk, sk, keys]) o.delete();
      ckks.delete();
    }
  });
});
