import { describe, expect, it } from 'vitest';
import {
  judgePassphrase,
  MIN_PASSPHRASE_SCORE,
  timeToGuess,
  type PassphraseEstimate,
} from '../src/features/share/passphrase-policy.ts';
import { estimatePassphrase } from '../src/features/share/passphrase-strength.ts';

const estimate = (score: PassphraseEstimate['score'], guessesLog10: number): PassphraseEstimate => ({
  score,
  guessesLog10,
  warning: undefined,
  suggestions: [],
});

describe('passphrase policy', () => {
  it('blocks scores below 3, warns at 3, accepts 4', () => {
    expect(MIN_PASSPHRASE_SCORE).toBe(3);
    expect([0, 1, 2, 3, 4].map((score) => judgePassphrase(estimate(score as 0, 2 * score + 2)).verdict)).toEqual([
      'too-weak',
      'too-weak',
      'too-weak',
      'fair',
      'strong',
    ]);
    expect([0, 1, 2, 3, 4].map((score) => judgePassphrase(estimate(score as 0, 2 * score + 2)).allowed)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('says how long one GPU would take at 10^4 PBKDF2 guesses a second', () => {
    expect(timeToGuess(3)).toBe('under a minute'); // 0.1 s
    expect(timeToGuess(7)).toBe('about 16 minutes'); // 1,000 s
    expect(timeToGuess(8)).toBe('about 2 hours'); // 10,000 s
    expect(timeToGuess(10)).toBe('about 11 days'); // 10^6 s
    expect(timeToGuess(12)).toBe('about 3 years'); // 10^8 s
    expect(timeToGuess(16)).toBe('centuries');
    expect(judgePassphrase(estimate(2, 7.9)).message).toMatch(
      /^Whoever gets the link could guess this in about 2 hours/,
    );
    expect(judgePassphrase(estimate(3, 9)).message).toMatch(/^Guessable in about 1 day on one graphics card/);
  });
});

describe('passphrase strength (zxcvbn-ts, the dictionaries the app ships)', () => {
  it('finds common passwords, names and single words weak, and random words strong', () => {
    for (const weak of ['password1', 'Password123!', 'qwertyuiop', 'jennifer2024', 'serendipity', 'sunshine'])
      expect({ weak, allowed: judgePassphrase(estimatePassphrase(weak)).allowed }).toEqual({ weak, allowed: false });
    const strong = estimatePassphrase('velvet tundra quorum pickle ostrich');
    expect(strong.score).toBe(4);
    expect(strong.guessesLog10).toBeGreaterThan(10);
    expect(judgePassphrase(strong).verdict).toBe('strong');
    // The e2e tests' passphrase: four common words, still about 10^4 × the strong floor.
    expect(estimatePassphrase('correct horse battery staple').score).toBe(4);
  });

  it('counts the link’s own molecule and model as known words', () => {
    const smiles = 'Cn1cnc2c1c(=O)n(C)c(=O)n2C';
    expect(estimatePassphrase(smiles).score).toBeGreaterThanOrEqual(MIN_PASSPHRASE_SCORE);
    expect(estimatePassphrase(smiles, [smiles, 'esol', 'Aqueous solubility (ESOL)']).score).toBeLessThan(
      MIN_PASSPHRASE_SCORE,
    );
  });
});
