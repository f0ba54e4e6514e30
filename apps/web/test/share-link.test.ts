import { describe, expect, it } from 'vitest';
import { rocCurve } from '../src/features/models/charts.tsx';
import { plainReading, roundForDisplay } from '../src/features/predict/format.ts';
import {
  encodeShareFragment,
  parseShareFragment,
  unsealShareFragment,
  type SharedResult,
} from '../src/features/share/share-link.ts';

const result: SharedResult = {
  v: 1,
  molecule: 'CC(=O)Oc1ccccc1C(=O)O',
  model: { id: 'esol', version: '1.0.0', title: 'Aqueous solubility (ESOL)' },
  prediction: { kind: 'regression', value: -1.414, units: 'log mol/L', reading: 'soluble' },
  date: '2026-01-01T00:00:00.000Z',
};

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
