// How strong a share link's passphrase must be. A sealed link can be attacked offline by anyone who gets hold of
// it: each guess costs one PBKDF2-SHA-256 run of 600,000 iterations, about 10^4 guesses a second on one high-end
// GPU (hashcat's PBKDF2-HMAC-SHA256 figures scaled to our iteration count; zxcvbn's "offline slow hashing" rate).
// zxcvbn's score buckets the estimated guesses: 0–1 under 10^6, 2 under 10^8, 3 under 10^10, 4 at or above.
// Score 2 falls within hours on one GPU, which is no protection for an unpublished structure, so links need 3;
// 3 is allowed with a warning (days on one GPU), 4 is what we recommend.

/** What the meter needs from a strength estimate (zxcvbn's result, narrowed). */
export interface PassphraseEstimate {
  score: 0 | 1 | 2 | 3 | 4;
  guessesLog10: number;
  warning: string | undefined;
  suggestions: string[];
}

/** Passphrases scoring below this cannot seal a link. */
export const MIN_PASSPHRASE_SCORE = 3;
/** Guesses a second against one sealed link on one high-end GPU (PBKDF2-SHA-256, 600,000 iterations). */
export const GUESSES_PER_SECOND = 1e4;

export type PassphraseVerdict = 'too-weak' | 'fair' | 'strong';

export interface PassphraseJudgement {
  verdict: PassphraseVerdict;
  /** Whether a link may be sealed with it. */
  allowed: boolean;
  label: string;
  message: string;
}

/** Roughly how long one GPU would take to find a passphrase needing 10^guessesLog10 guesses. */
export function timeToGuess(guessesLog10: number): string {
  const seconds = 10 ** guessesLog10 / GUESSES_PER_SECOND;
  const units: [number, string][] = [
    [60 * 60 * 24 * 365 * 100, 'centuries'],
    [60 * 60 * 24 * 365, 'years'],
    [60 * 60 * 24 * 30, 'months'],
    [60 * 60 * 24, 'days'],
    [60 * 60, 'hours'],
    [60, 'minutes'],
  ];
  if (seconds < 60) return 'under a minute';
  for (const [size, name] of units) {
    if (seconds >= size) {
      if (name === 'centuries') return 'centuries';
      const count = Math.floor(seconds / size);
      return `about ${count} ${count === 1 ? name.slice(0, -1) : name}`;
    }
  }
  return 'under a minute';
}

export function judgePassphrase(estimate: PassphraseEstimate): PassphraseJudgement {
  const time = timeToGuess(estimate.guessesLog10);
  if (estimate.score < MIN_PASSPHRASE_SCORE)
    return {
      verdict: 'too-weak',
      allowed: false,
      label: 'Too weak',
      message: `Whoever gets the link could guess this in ${time} on one graphics card. Use four or more random words.`,
    };
  if (estimate.score === 3)
    return {
      verdict: 'fair',
      allowed: true,
      label: 'Fair',
      message: `Guessable in ${time} on one graphics card: enough against a casual reader, not a determined one. Another random word makes it strong.`,
    };
  return {
    verdict: 'strong',
    allowed: true,
    label: 'Strong',
    message: `One graphics card would need ${time} to guess it.`,
  };
}
