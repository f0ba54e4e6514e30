// zxcvbn-ts with the common password and diceware lists, English words and first names: about 0.5 MB gzipped,
// so ShareBox imports this module only when someone types a passphrase (its own chunk). English last names and
// Wikipedia words (another ~0.4 MB) are left out: they matter little for passphrases made of random words.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { translations } from '@zxcvbn-ts/language-en';
import englishWords from '@zxcvbn-ts/language-en/dist/commonWords.json.mjs';
import firstNames from '@zxcvbn-ts/language-en/dist/firstnames.json.mjs';
import type { PassphraseEstimate } from './passphrase-policy.ts';

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...commonDictionary, 'commonWords-en': englishWords, 'firstnames-en': firstNames },
  graphs: adjacencyGraphs,
  translations,
  useLevenshteinDistance: true,
});

/** zxcvbn's estimate; `context` (the molecule, the model's name) counts as known words, so reusing it is weak. */
export function estimatePassphrase(passphrase: string, context: string[] = []): PassphraseEstimate {
  const result = zxcvbn.check(passphrase, ['chemveil', ...context]);
  return {
    score: result.score,
    guessesLog10: result.guessesLog10,
    warning: result.feedback.warning ?? undefined,
    suggestions: result.feedback.suggestions,
  };
}
