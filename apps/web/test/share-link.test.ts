import { describe, expect, it } from 'vitest';
import { rocCurve } from '../src/features/models/charts.tsx';
import { plainReading, roundForDisplay } from '../src/features/predict/format.ts';
import {
  encodeShareFragment,
  MAX_SHARE_FRAGMENT_LENGTH,
  parseShareFragment,
  ShareLinkTooLargeError,
  unsealShareFragment,
} from '../src/features/share/share-link.ts';
import { aspirin } from './shared-results.ts';

const result = aspirin;

describe('share links', () => {
  it('round-trips an open link, with everything in the fragment', async () => {
    const fragment = await encodeShareFragment(result);
    expect(fragment).toMatch(/^share=[A-Za-z0-9_-]+$/);
    expect(parseShareFragment(`#${fragment}`)).toEqual({ kind: 'open', result });
  });

  it('seals with a passphrase: nothing readable, the right passphrase opens it, a wrong one does not', async () => {
    const fragment = await encodeShareFragment(result, 'correct horse');
    expect(fragment).toMatch(/^sealed=/);
    expect(Buffer.from(fragment.slice(7), 'base64url').toString('latin1')).not.toContain('CC(=O)');
    const parsed = parseShareFragment(`#${fragment}`);
    expect(parsed?.kind).toBe('sealed');
    const payload = parsed?.kind === 'sealed' ? parsed.payload : '';
    await expect(unsealShareFragment(payload, 'correct horse')).resolves.toEqual(result);
    await expect(unsealShareFragment(payload, 'wrong')).rejects.toThrow(/Wrong passphrase/);
    // Two links for the same result differ (random salt and IV).
    expect(await encodeShareFragment(result, 'correct horse')).not.toBe(fragment);
  });

  it('caps the fragment at 64 KiB when making a link, sealed or not, and says how large it was', async () => {
    expect(MAX_SHARE_FRAGMENT_LENGTH).toBe(65_536);
    // The largest molecule that still fits an open link: base64 of the JSON, plus "share=".
    const overhead = JSON.stringify({ ...result, molecule: '' }).length;
    const fits = Math.floor(((MAX_SHARE_FRAGMENT_LENGTH - 'share='.length) * 3) / 4) - overhead;
    const largest = await encodeShareFragment({ ...result, molecule: 'C'.repeat(fits) });
    expect(largest.length).toBeLessThanOrEqual(MAX_SHARE_FRAGMENT_LENGTH);
    expect(largest.length).toBeGreaterThan(MAX_SHARE_FRAGMENT_LENGTH - 4);
    expect(parseShareFragment(`#${largest}`)).toMatchObject({ kind: 'open' });

    const tooLarge = encodeShareFragment({ ...result, molecule: 'C'.repeat(fits + 3) });
    await expect(tooLarge).rejects.toThrow(ShareLinkTooLargeError);
    await expect(tooLarge).rejects.toThrow(/too large for a link \(65,540 characters; at most 65,536\)/);
    // Sealed: refused on its predicted size, before the 600,000-iteration key derivation. Timed against a real
    // seal in the same test, so a busy machine slows both.
    let started = performance.now();
    await encodeShareFragment(result, 'a passphrase');
    const sealing = performance.now() - started;
    started = performance.now();
    await expect(encodeShareFragment({ ...result, molecule: 'C'.repeat(fits) }, 'a passphrase')).rejects.toThrow(
      /too large for a link \(65,595 characters/,
    );
    expect(performance.now() - started).toBeLessThan(sealing / 4);
  });

  it('refuses an oversized link before decoding it, open or sealed', async () => {
    // Not base64 and not JSON: a decode would fail with "damaged"; the size check answers first.
    const junk = '!'.repeat(MAX_SHARE_FRAGMENT_LENGTH);
    expect(() => parseShareFragment(`#share=${junk}`)).toThrow(ShareLinkTooLargeError);
    expect(() => parseShareFragment(`#share=${junk}`)).toThrow(
      'This link is too large to open (65,542 characters after #; ChemVeil links hold at most 65,536). Nothing in it was read.',
    );
    expect(() => parseShareFragment(`#sealed=${junk}`)).toThrow(/too large to open \(65,543 characters/);
    await expect(unsealShareFragment(junk, 'any')).rejects.toThrow(ShareLinkTooLargeError);
    // One character under the cap is read (and found damaged: it is junk).
    expect(() => parseShareFragment(`#share=${junk.slice('share='.length + 1)}`)).toThrow(/damaged/);
    // Fragments that are not share links are not ours to judge, whatever their size.
    expect(parseShareFragment(`#section-${junk}`)).toBeUndefined();
  });

  it('refuses damaged links and ignores other fragments', () => {
    expect(() => parseShareFragment('#share=abc')).toThrow(/damaged/);
    expect(parseShareFragment('#something-else')).toBeUndefined();
    expect(parseShareFragment('')).toBeUndefined();
  });
});

describe('display', () => {
  it('rounds to the displayed precision and reads values in plain language', () => {
    expect(roundForDisplay(-3.14159)).toBe(-3.1416);
    expect(plainReading({ kind: 'regression', value: -3.142, units: 'log mol/L', reading: 'moderately soluble' })).toBe(
      '−3.1 log mol/L: moderately soluble',
    );
    expect(plainReading({ kind: 'classification', value: 0.873, label: 'active', positiveClass: 'active' })).toBe(
      '87 % probability of active (predicted active)',
    );
  });

  it('computes ROC curves and their area', () => {
    expect(rocCurve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]).auc).toBe(1);
    expect(rocCurve([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]).auc).toBe(0);
    expect(rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]).auc).toBeCloseTo(0.5);
  });
});
